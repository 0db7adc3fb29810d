using System.Text;
using System.Text.Json;
using OrleansAgents.Runs;

namespace OrleansAgents.Agents.Bench;

/// <summary>
/// The deterministic built-in agent for benchmarks and failure drills. Input
/// <c>{ "steps": N, "stepMs": M, "bytes": B }</c> runs N steps, each waiting M ms and returning about B bytes.
/// </summary>
public sealed class BenchAgent(TimeProvider time, Microsoft.Extensions.Options.IOptions<BenchOptions> options) : IAgent
{
    public const string AgentName = "bench";
    private const int MaxSteps = 100_000;
    private const int MaxStepMs = 600_000;
    private const int MaxBytes = 1 << 20;

    public string Name => AgentName;

    public string Version => options.Value.Version;

    public AgentUpgradePolicy UpgradePolicy => options.Value.UpgradePolicy;

    public void ValidateInput(JsonElement input)
    {
        _ = Parse(input);
    }

    public AgentDecision Decide(AgentContext context)
    {
        var input = Parse(context.Input);
        return context.Steps.Count < input.Steps
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
            Read(input, "steps", 1, 0, MaxSteps),
            Read(input, "stepMs", 0, 0, MaxStepMs),
            Read(input, "bytes", 0, 0, MaxBytes));
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
