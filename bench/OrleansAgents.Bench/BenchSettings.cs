namespace OrleansAgents.Bench;

/// <summary>Command-line settings of the harness.</summary>
internal sealed record BenchSettings
{
    public string Workload { get; init; } = "all";
    public string Connection { get; init; } = "Host=127.0.0.1;Port=55432;Username=postgres;Database=orleans_agents;Maximum Pool Size=20";
    public string ClusterId { get; init; } = "local";
    public string DataDirectory { get; init; } = ".data";
    public Uri FrontEnd { get; init; } = new("http://127.0.0.1:5180");
    public string ApiKey { get; init; } = "dev-user-1";
    public int? Subscribers { get; init; }

    /// <summary>T1: seconds from the start to the first timer's time.</summary>
    public int? FirstWakeS { get; init; }

    /// <summary>T1: seconds over which the timers' times are spread.</summary>
    public int? SpreadS { get; init; }

    /// <summary>F1: child runs per parent.</summary>
    public int? Children { get; init; }
    public bool NoWarmup { get; init; }
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(60);
    public string RepositoryRoot { get; init; } = ".";
    public int? Runs { get; init; }
    public int? Steps { get; init; }
    public int? StepMs { get; init; }
    public int? Bytes { get; init; }
    public TimeSpan SoakDuration { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan FaultEvery { get; init; } = TimeSpan.FromSeconds(60);
    public int Seed { get; init; } = 1;

    public static BenchSettings Parse(string[] args)
    {
        var settings = new BenchSettings();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            settings = args[i] switch
            {
                "--workload" => settings with { Workload = Next() },
                "--connection" => settings with { Connection = Next() },
                "--cluster-id" => settings with { ClusterId = Next() },
                "--data" => settings with { DataDirectory = Next() },
                "--front-end" => settings with { FrontEnd = new Uri(Next()) },
                "--api-key" => settings with { ApiKey = Next() },
                "--subscribers" => settings with { Subscribers = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--first-wake" => settings with { FirstWakeS = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--spread" => settings with { SpreadS = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--children" => settings with { Children = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--repo" => settings with { RepositoryRoot = Next() },
                "--no-warmup" => settings with { NoWarmup = true },
                "--warmup-s" => settings with { WarmUp = TimeSpan.FromSeconds(int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture)) },
                "--runs" => settings with { Runs = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--steps" => settings with { Steps = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--step-ms" => settings with { StepMs = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--minutes" => settings with { SoakDuration = TimeSpan.FromMinutes(double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture)) },
                "--fault-every" => settings with { FaultEvery = TimeSpan.FromSeconds(double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture)) },
                "--seed" => settings with { Seed = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--bytes" => settings with { Bytes = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        return settings;
    }
}
