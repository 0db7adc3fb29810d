using System.Text;
using System.Text.Json;
using OrleansAgents.Runs;

namespace OrleansAgents.Agents.Bench;

/// <summary>
/// The deterministic built-in agent for benchmarks and failure drills. Input
/// <c>{ "steps": N, "stepMs": M, "bytes": B }</c> runs N steps, each waiting M ms and returning about B bytes.
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

    public AgentDecision Decide(AgentContext context)
    {
        var input = Parse(context.Input);
        return context.StepCount < input.Steps
            ? new AgentDecision.Next("bench.step", "{}")
            : new AgentDecision.Finish($$"""{"steps":{{input.Steps}}}""");
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

        return new BenchInput(
            Read(input, "steps", 1, 0, int.MaxValue),
            Read(input, "stepMs", 0, 0, MaxStepMs),
            Read(input, "bytes", 0, 0, int.MaxValue));
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

    private readonly record struct BenchInput(int Steps, int StepMs, int Bytes);
}
