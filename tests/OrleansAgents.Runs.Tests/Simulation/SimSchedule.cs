namespace OrleansAgents.Runs.Tests.Simulation;

/// <summary>
/// One seeded schedule: a few runs of random shapes, their clients, and a fault actor that kills activations
/// at any await, starts racing activations and takes PostgreSQL down, while commits lose acknowledgements or
/// outlive their process. Then the faults stop, every run must end, and the checks run.
/// </summary>
internal static class SimSchedule
{
    private const string Kinds = "ppppiisaxz";

    public static SimResult Run(int seed, SimOptions? options = null)
    {
        options ??= new SimOptions();
        var scheduler = new SimScheduler(seed);
        var cluster = new SimCluster(scheduler, options) { FaultsOn = true };
        var random = scheduler.Random;
        var clients = Enumerable.Range(1, random.Next(1, 4))
            .Select(i => new SimClient(cluster, $"r{i}", new string([.. Enumerable.Range(0, random.Next(1, 7)).Select(_ => Kinds[random.Next(Kinds.Length)])])))
            .ToList();

        cluster.StartServices();
        foreach (var client in clients)
        {
            var context = new SimContext(scheduler, $"client {client.RunId}");
            context.Run(client.RunAsync);
        }

        cluster.Context.Run(() => InjectFaultsAsync(cluster, clients));
        var ended = scheduler.RunUntil(() => clients.All(c => c.Done), options.Limit);

        // Recovery is asynchronous: a run started by a call whose answer was lost is woken after its silo's
        // death is noticed, or by its reminder. Give the quiet cluster time to finish it.
        scheduler.RunUntil(() => false, options.Settle);
        var violations = SimChecks.Check(cluster, clients);
        if (!ended)
        {
            violations.Add($"the schedule did not finish in {options.Limit} of simulated time");
        }

        return new SimResult(seed, violations, cluster.Db.Trace, scheduler.Steps, scheduler.Clock.GetUtcNow() - SimStart);
    }

    private static readonly DateTimeOffset SimStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task InjectFaultsAsync(SimCluster cluster, List<SimClient> clients)
    {
        var scheduler = cluster.Scheduler;
        var random = scheduler.Random;
        var end = scheduler.Clock.GetUtcNow() + cluster.Options.FaultPhase;
        while (scheduler.Clock.GetUtcNow() < end)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(50, 600)), scheduler.Clock);
            var live = cluster.Live.Where(a => !a.IsDead).ToList();
            var roll = random.Next(100);
            if (roll < 40 && live.Count > 0)
            {
                cluster.Kill(live[random.Next(live.Count)], "the fault actor");
            }
            else if (roll < 52 && live.Count > 0)
            {
                var runId = live[random.Next(live.Count)].RunId;
                cluster.StartRacingActivation(runId);
                ResolveDuplicateLater(cluster, runId);
            }
            else if (roll < 60)
            {
                var outage = TimeSpan.FromMilliseconds(random.Next(200, 4000));
                cluster.Db.OutageUntil = scheduler.Clock.GetUtcNow() + outage;
                cluster.Db.Note($"PostgreSQL down for {outage.TotalMilliseconds} ms");
            }
        }

        cluster.FaultsOn = false;
        cluster.Db.Note($"faults off; {clients.Count(c => !c.Done)} clients still going");
    }

    /// <summary>Orleans notices a duplicate activation within a few seconds and keeps one.</summary>
    private static void ResolveDuplicateLater(SimCluster cluster, string runId) => cluster.Context.Run(async () =>
    {
        await Task.Delay(TimeSpan.FromMilliseconds(cluster.Scheduler.Random.Next(200, 3000)), cluster.Scheduler.Clock);
        var live = cluster.LiveOf(runId).Where(a => !a.IsDead).ToList();
        if (live.Count > 1)
        {
            cluster.Kill(live[cluster.Scheduler.Random.Next(live.Count)], "duplicate resolved");
        }
    });
}

/// <summary>What a schedule found.</summary>
internal sealed record SimResult(int Seed, List<string> Violations, List<string> Trace, long Steps, TimeSpan SimulatedTime);
