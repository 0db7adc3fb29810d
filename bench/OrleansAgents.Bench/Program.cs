using OrleansAgents.Bench;

BenchSettings settings;
try
{
    settings = BenchSettings.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"{ex.Message}\nusage: OrleansAgents.Bench [--workload W1|W2|W3|S1|S2|C1|E1|E2|R1|A1|F1|T1|D-ROLLING|D-ROLLING-KEEP|D-FRONTEND|D-PG|SOAK|all] [--minutes M] [--fault-every S] [--seed N] [--subscribers N] [--children N] [--first-wake S] [--spread S] [--front-end URL] [--api-key KEY] [--warmup-s S] [--no-warmup] [--runs N] [--steps N] [--step-ms M] [--bytes B] [--connection CS] [--cluster-id ID] [--data .data]");
    return 2;
}

if (settings.Workload.Equals("SOAK", StringComparison.OrdinalIgnoreCase))
{
    return await SoakCommand.RunAsync(settings); // its own summary line; exit 1 on a broken promise
}

await using var harness = await Harness.ConnectAsync(settings);
var workloads = settings.Workload.Equals("all", StringComparison.OrdinalIgnoreCase)
    ? ["W1", "W2", "S1", "E1", "W3"]
    : settings.Workload.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
// Warm the cluster (JIT tiering, connection pools) with load that is not counted.
if (!settings.NoWarmup)
{
    Console.Error.WriteLine("warming up the cluster (not counted)...");
    await harness.WarmUpAsync(settings.WarmUp);
    await EventDeliveryWorkload.RunAsync(settings, "E1", 200, 10, 50, 200); // the front end's WebSocket path too
}

var results = new List<WorkloadResult>();
foreach (var workload in workloads)
{
    var result = workload.ToUpperInvariant() switch
    {
        "W1" => await harness.RunThroughputAsync("W1", settings.Runs ?? 200, settings.Steps ?? 20, settings.StepMs ?? 0, settings.Bytes ?? 200),
        "W2" => await harness.RunThroughputAsync("W2", settings.Runs ?? 500, settings.Steps ?? 10, settings.StepMs ?? 50, settings.Bytes ?? 1024),
        "S1" => await harness.RunStepCostAsync(settings.Steps ?? 1000, settings.Bytes ?? 1024),
        "C1" => await harness.RunCostModelAsync(settings.Runs ?? 500, settings.Steps ?? 20, settings.Bytes ?? 1024),
        "S2" => await harness.RunLongRunAsync(settings.Steps ?? 20_000, settings.Bytes ?? 1024, settings.StepMs ?? 2, settings.Runs ?? 3),
        "A1" => await harness.RunAgentLoopAsync(settings.Runs ?? 20, settings.Steps),
        "D-ROLLING" => await new DeployDrill(harness, new Drills(harness, harness.Database, settings), settings).RunAsync("D-ROLLING", TimeSpan.Zero),
        "D-ROLLING-KEEP" => await new DeployDrill(harness, new Drills(harness, harness.Database, settings), settings).RunAsync("D-ROLLING-KEEP", TimeSpan.FromSeconds(15)),
        "D-PG" => await new Drills(harness, harness.Database, settings).PostgresOutageAsync(),
        "D-FRONTEND" => await new Drills(harness, harness.Database, settings).FrontEndKillAsync(),
        "E1" => await EventDeliveryWorkload.RunAsync(settings, "E1", settings.Subscribers ?? 1000, settings.Runs ?? 50, settings.Steps ?? 100, settings.StepMs ?? 200),
        "E2" => await EventDeliveryWorkload.RunAsync(settings, "E2", settings.Subscribers ?? 10_000, settings.Runs ?? 500, settings.Steps ?? 45, settings.StepMs ?? 2000),
        "R1" => await ResponsesResumeWorkload.RunAsync(settings, settings.Runs ?? 100),
        "F1" => await harness.RunFanOutAsync(settings.Runs ?? 5, settings.Children ?? 100, settings.Steps ?? 3, settings.StepMs ?? 100),
        "T1" => await harness.RunTimersAsync(settings.Runs ?? 1000, settings.FirstWakeS ?? 45, settings.SpreadS ?? 20),
        "W3" => await harness.RunRecoveryAsync(settings.Runs ?? 100, settings.Steps ?? 30, settings.StepMs ?? 100),
        _ => throw new ArgumentException($"unknown workload {workload}"),
    };
    Console.WriteLine(result.ToJson());
    results.Add(result);
}

Console.WriteLine();
foreach (var result in results)
{
    Console.WriteLine(result.Summary());
}

Console.WriteLine(harness.MemorySummary());
return 0;
