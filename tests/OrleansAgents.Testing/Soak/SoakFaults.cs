using System.Globalization;

namespace OrleansAgents.Testing.Soak;

/// <summary>
/// Injects one fault every <see cref="SoakOptions.FaultEvery"/>, in rotation: SIGKILL a worker (back after
/// 10 s), SIGKILL the front end (back after 5 s), stall a worker 5 s (SIGSTOP, SIGCONT), a rolling restart
/// of every worker with a changed agent definition, PostgreSQL down 10 s. The rotation's start and the
/// workers hit come from the seed. A fault that outlasts the interval delays the next one.
/// </summary>
public sealed class SoakFaults(SoakOptions options, SoakRecord record, ISoakCluster cluster)
{
    public static readonly string[] Kinds = ["kill-worker", "kill-frontend", "stall-worker", "rolling-deploy", "postgres-down"];

    private int _deploys;

    public async Task RunAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed);
        var offset = random.Next(Kinds.Length);
        var began = DateTimeOffset.UtcNow;
        for (var i = 0; ; i++)
        {
            // At S, 2S, 3S, ... from the start; a fault still going on delays the next one.
            var next = began + (options.FaultEvery * (i + 1));
            if (next >= until)
            {
                return;
            }

            try
            {
                var wait = next - DateTimeOffset.UtcNow;
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var kind = Kinds[(offset + i) % Kinds.Length];
            var worker = random.Next(1, cluster.Workers + 1);
            var start = DateTimeOffset.UtcNow;
            var target = await InjectAsync(kind, worker);
            record.Faults.Enqueue(new SoakFault(kind, target, start, DateTimeOffset.UtcNow));
            options.Log($"soak: {kind} {target} at {(start - began).TotalSeconds:0} s took {(DateTimeOffset.UtcNow - start).TotalSeconds:0.0} s");
        }
    }

    private async Task<string> InjectAsync(string kind, int worker)
    {
        switch (kind)
        {
            case "kill-worker":
                await cluster.KillWorkerAsync(worker);
                await Task.Delay(TimeSpan.FromSeconds(10));
                await cluster.StartWorkerAsync(worker);
                return $"worker-{worker}";
            case "kill-frontend":
                await cluster.KillFrontEndAsync();
                await Task.Delay(TimeSpan.FromSeconds(5));
                await cluster.StartFrontEndAsync();
                return "frontend";
            case "stall-worker":
                await cluster.StallWorkerAsync(worker, TimeSpan.FromSeconds(5));
                return $"worker-{worker}";
            case "rolling-deploy":
                var deploy = ++_deploys;
                var settings = new Dictionary<string, string>
                {
                    ["OrleansAgents__Agents__Bench__Version"] = string.Create(CultureInfo.InvariantCulture, $"soak-{options.Seed}-{deploy}"),
                    ["OrleansAgents__Agents__VoiceAgentBuilder__MaxSteps"] = (40 + deploy).ToString(CultureInfo.InvariantCulture),
                };
                for (var w = 1; w <= cluster.Workers; w++)
                {
                    await cluster.RestartWorkerAsync(w, settings);
                }

                return "every worker";
            default:
                await cluster.StopDatabaseAsync();
                await Task.Delay(TimeSpan.FromSeconds(10));
                await cluster.StartDatabaseAsync();
                return "postgres";
        }
    }
}
