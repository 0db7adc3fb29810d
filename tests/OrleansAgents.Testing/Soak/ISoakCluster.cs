namespace OrleansAgents.Testing.Soak;

/// <summary>The faults a soak injects, on whatever runs the cluster: the test harness, or deploy/local/cluster.sh.</summary>
public interface ISoakCluster
{
    /// <summary>How many workers there are (numbered from 1).</summary>
    int Workers { get; }

    /// <summary>SIGKILL.</summary>
    Task KillWorkerAsync(int worker);

    Task StartWorkerAsync(int worker);

    /// <summary>SIGSTOP, then SIGCONT after <paramref name="stall"/>: the cluster may declare it dead while its activations live.</summary>
    Task StallWorkerAsync(int worker, TimeSpan stall);

    /// <summary>Graceful restart with extra settings (a deploy of a changed agent definition); returns once the new worker is active.</summary>
    Task RestartWorkerAsync(int worker, IReadOnlyDictionary<string, string> settings);

    /// <summary>SIGKILL.</summary>
    Task KillFrontEndAsync();

    Task StartFrontEndAsync();

    /// <summary>Stops PostgreSQL (fast shutdown: every connection is cut).</summary>
    Task StopDatabaseAsync();

    Task StartDatabaseAsync();
}
