namespace OrleansAgents;

/// <summary>Provider, stream and table names used across the cluster, in one place.</summary>
public static class OrleansAgentsNames
{
    /// <summary>Grain storage provider holding each run's header.</summary>
    public const string RunStorage = "runs";

    /// <summary>Grain storage used by the stream PubSub.</summary>
    public const string PubSubStore = "PubSubStore";

    /// <summary>Stream provider carrying run events live.</summary>
    public const string StreamProvider = "run-events";

    /// <summary>Stream namespace of per-run event streams.</summary>
    public const string RunEventsNamespace = "run";

    /// <summary>ADO.NET invariant name of Npgsql.</summary>
    public const string NpgsqlInvariant = "Npgsql";

    /// <summary>Connection string name in configuration.</summary>
    public const string ConnectionStringName = "Postgres";
}
