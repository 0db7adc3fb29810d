using System.Text;
using System.Text.Json;
using OrleansAgents.Runs;

namespace OrleansAgents.Agents.Bench;

/// <summary>
/// The deterministic built-in agent for benchmarks and failure drills. Input
/// <c>{ "steps": N, "stepMs": M, "bytes": B }</c> runs N steps, each waiting M ms and returning about B bytes.
/// With <c>"children": K</c> it first starts K child runs of itself (each <c>{ "steps": childSteps, "stepMs": childStepMs }</c>)
/// and waits for all of them; with <c>"sleepMs": S</c> (or <c>"sleepUntil": time</c>) it then sleeps on a durable timer.
/// With <c>"childWait": "any"</c> (or <c>"none"</c>) its children step waits for the first child only (or none) and a
/// <c>bench.join</c> step then waits for every child; <c>"firstChildSteps"</c> gives the first child its own step count.
/// Its output holds the children's results.
/// Registered only where enabled (<see cref="BenchOptions.EnabledKey"/>), and a start that would pass a run
/// quota (<see cref="RunQuotaOptions"/>) is refused with the limit's name. It remembers nothing: each decision
/// needs only the step count.
/// </summary>
public sealed class BenchAgent(
    TimeProvider time,
    Microsoft.Extensions.Options.IOptions<BenchOptions> options,
    Microsoft.Extensions.Options.IOptions<RunOptions> runOptions) : IAgent
{
    public const string AgentName = "bench";

    /// <summary>Bytes a step's events add to the journal beyond its result (its start and completion records).</summary>
    private const int StepOverheadBytes = 256;
    private const int MaxStepMs = 600_000;
    private const int MaxChildren = 100_000;

    public string Name => AgentName;

    public string Version => options.Value.Version;

    public AgentUpgradePolicy UpgradePolicy => options.Value.UpgradePolicy;

    public void ValidateInput(JsonElement input)
    {
        var parsed = Parse(input);
        var quotas = runOptions.Value.Quotas;
        if (parsed.Steps > quotas.MaxSteps)
        {
            throw new InvalidRunRequestException(
                $"Bench input 'steps' is {parsed.Steps}, more than a run may take: {quotas.MaxSteps} steps ({RunQuotaOptions.Key(nameof(RunQuotaOptions.MaxSteps))}).");
        }

        if (parsed.Bytes > quotas.MaxStepResultBytes - StepOverheadBytes)
        {
            throw new InvalidRunRequestException(
                $"Bench input 'bytes' is {parsed.Bytes}; a step result may hold at most {quotas.MaxStepResultBytes} bytes " +
                $"({RunQuotaOptions.Key(nameof(RunQuotaOptions.MaxStepResultBytes))}), so 'bytes' may be at most {quotas.MaxStepResultBytes - StepOverheadBytes}.");
        }

        var journal = (long)parsed.Steps * (parsed.Bytes + StepOverheadBytes);
        if (journal > quotas.MaxJournalBytes)
        {
            throw new InvalidRunRequestException(
                $"Bench input 'steps' x 'bytes' makes a journal of about {journal} bytes, more than a run may hold: " +
                $"{quotas.MaxJournalBytes} bytes ({RunQuotaOptions.Key(nameof(RunQuotaOptions.MaxJournalBytes))}).");
        }
    }

    public const string ChildrenStep = "bench.children";
    public const string SleepStep = "bench.sleep";
    public const string JoinStep = "bench.join";

    public AgentDecision Decide(AgentContext context)
    {
        var input = Parse(context.Input);
        var join = input.Children > 0 && input.ChildWait != ChildWait.All;
        var first = (input.Children > 0 ? 1 : 0) + (join ? 1 : 0) + (input.SleepMs > 0 || input.SleepUntil is not null ? 1 : 0);
        if (context.StepCount < first)
        {
            // What the run does itself is in the step's arguments, so the journal holds it and GetPolicy reads it back.
            if (context.StepCount == 0 && input.Children > 0)
            {
                var args = $$$"""{"count":{{{input.Children}}},"input":{"steps":{{{input.ChildSteps}}},"stepMs":{{{input.ChildStepMs}}}}""";
                args += input.FirstChildSteps is { } firstSteps ? $$$""","firstInput":{"steps":{{{firstSteps}}},"stepMs":{{{input.ChildStepMs}}}}""" : "";
                args += join ? $",\"wait\":\"{input.ChildWait.ToString().ToLowerInvariant()}\"" : "";
                return new AgentDecision.Next(ChildrenStep, args + "}");
            }

            // With a wait for any or none, the next step waits for every child (WaitForChildren).
            return context.StepCount == 1 && join
                ? new AgentDecision.Next(JoinStep, "{}")
                : new AgentDecision.Next(SleepStep, input.SleepUntil is { } until
                    ? $$"""{"until":{{JsonSerializer.Serialize(until)}}}"""
                    : $$"""{"ms":{{input.SleepMs}}}""");
        }

        if (context.StepCount < first + input.Steps)
        {
            return new AgentDecision.Next("bench.step", "{}");
        }

        return new AgentDecision.Finish(context.Memory is BenchMemory { Children: { } children }
            ? $$"""{"steps":{{input.Steps}},"children":{{children}}}"""
            : $$"""{"steps":{{input.Steps}}}""");
    }

    public AgentMemory NewMemory(JsonElement input) => BenchMemory.Empty;

    public AgentMemory? ReadMemory(JsonElement input, string json) => BenchMemory.Read(json);

    public StepPolicy GetPolicy(StepPlan step)
    {
        switch (step.Name)
        {
            case ChildrenStep:
            {
                using var args = JsonDocument.Parse(step.Args);
                var count = args.RootElement.GetProperty("count").GetInt32();
                var childInput = args.RootElement.GetProperty("input").GetRawText();
                var firstInput = args.RootElement.TryGetProperty("firstInput", out var first) ? first.GetRawText() : childInput;
                var wait = args.RootElement.TryGetProperty("wait", out var w) && Enum.TryParse<ChildWait>(w.GetString(), ignoreCase: true, out var parsed) ? parsed : ChildWait.All;
                return new StepPolicy
                {
                    Action = new StepAction.StartChildren([.. Enumerable.Range(0, count).Select(i => new ChildRunSpec(AgentName, i == 0 ? firstInput : childInput))], wait),
                };
            }

            case JoinStep:
                return new StepPolicy { Action = new StepAction.WaitForChildren(null, ChildWait.All) };

            case SleepStep:
            {
                using var args = JsonDocument.Parse(step.Args);
                return new StepPolicy
                {
                    Action = args.RootElement.TryGetProperty("until", out var until)
                        ? new StepAction.Sleep(Until: until.GetDateTimeOffset())
                        : new StepAction.Sleep(For: TimeSpan.FromMilliseconds(args.RootElement.GetProperty("ms").GetInt32())),
                };
            }

            default:
                return StepPolicy.Default;
        }
    }

    public async Task<StepOutput> ExecuteStepAsync(StepContext context, CancellationToken cancellationToken)
    {
        var input = Parse(context.Run.Input);
        if (input.StepMs > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(input.StepMs), time, cancellationToken);
        }

        // {"i":N,"data":"xxxx"}: pad the data so the whole result is about B bytes.
        var prefix = $$"""{"i":{{context.Step.Index}},"data":""";
        var padding = Math.Max(0, input.Bytes - prefix.Length - 2);
        var builder = new StringBuilder(prefix.Length + padding + 2);
        builder.Append(prefix).Append('"').Append('x', padding).Append('"').Append('}');
        return new StepOutput(builder.ToString());
    }

    private static BenchInput Parse(JsonElement input)
    {
        if (input.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidRunRequestException("The bench agent takes an object: { \"steps\": N, \"stepMs\": M, \"bytes\": B }.");
        }

        DateTimeOffset? sleepUntil = null;
        if (input.TryGetProperty("sleepUntil", out var until))
        {
            sleepUntil = until.ValueKind == JsonValueKind.String && until.TryGetDateTimeOffset(out var at)
                ? at
                : throw new InvalidRunRequestException("Bench input 'sleepUntil' must be a date and time (ISO 8601, with offset).");
        }

        return new BenchInput(
            Read(input, "steps", 1, 0, int.MaxValue),
            Read(input, "stepMs", 0, 0, MaxStepMs),
            Read(input, "bytes", 0, 0, int.MaxValue),
            Read(input, "children", 0, 0, MaxChildren),
            Read(input, "childSteps", 1, 0, 10_000),
            Read(input, "childStepMs", 0, 0, MaxStepMs),
            Read(input, "sleepMs", 0, 0, int.MaxValue),
            sleepUntil,
            input.TryGetProperty("firstChildSteps", out _) ? Read(input, "firstChildSteps", 1, 0, 10_000) : null,
            ReadWait(input));
    }

    private static int Read(JsonElement input, string name, int fallback, int min, int max)
    {
        if (!input.TryGetProperty(name, out var value))
        {
            return fallback;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number) || number < min || number > max)
        {
            throw new InvalidRunRequestException($"Bench input '{name}' must be an integer from {min} to {max}.");
        }

        return number;
    }

    private static ChildWait ReadWait(JsonElement input) =>
        !input.TryGetProperty("childWait", out var wait) ? ChildWait.All
        : wait.ValueKind == JsonValueKind.String && Enum.TryParse<ChildWait>(wait.GetString(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed
        : throw new InvalidRunRequestException("Bench input 'childWait' must be \"all\", \"any\" or \"none\".");

    private readonly record struct BenchInput(
        int Steps, int StepMs, int Bytes, int Children, int ChildSteps, int ChildStepMs, int SleepMs, DateTimeOffset? SleepUntil, int? FirstChildSteps, ChildWait ChildWait);
}
