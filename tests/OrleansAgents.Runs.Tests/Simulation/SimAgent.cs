using System.Text.Json;
using OrleansAgents.Agents;

namespace OrleansAgents.Runs.Tests.Simulation;

/// <summary>
/// The simulation's agent. Input <c>{ "kinds": "pisax" }</c>: one step per letter, p pure, i a side effect
/// keyed by its idempotency key, s a side effect that is not idempotent (a message sent), a an idempotent
/// side effect that needs approval, x a step whose result PostgreSQL refuses, z a durable sleep (0.7-3.4 s: below the
/// fast-wake window it waits in the activation, above it through the reminder, its activation let go). While faults are on, a body
/// may fail transiently, time out, or fail after its effect. Every body start and every effect is witnessed.
/// It remembers each result (<see cref="SimMemory"/>), so snapshots and their memory are part of every schedule.
/// </summary>
internal sealed class SimAgent(SimCluster cluster) : IAgent, IAgentSource
{
    public const string Poison = "POISON";
    public static readonly TimeSpan StepTimeout = TimeSpan.FromMilliseconds(150);

    public string Name => "sim";

    public string Version => "1";

    public IAgent GetForNewRun(string name) => name == Name ? this : throw new InvalidRunRequestException($"Unknown agent '{name}'.");

    public IAgent? Find(string name, string version) => name == Name && version == Version ? this : null;

    public IAgent? Current(string name) => name == Name ? this : null;

    public void ValidateInput(JsonElement input)
    {
    }

    public AgentMemory NewMemory(JsonElement input) => SimMemory.Empty;

    public AgentMemory? ReadMemory(JsonElement input, string json) => SimMemory.Read(json);

    /// <summary>The output names every result the agent remembered, so a memory that lost or doubled a step shows in the checks.</summary>
    public AgentDecision Decide(AgentContext context)
    {
        var kinds = context.Input.GetProperty("kinds").GetString()!;
        return context.StepCount < kinds.Length
            ? new AgentDecision.Next(kinds[context.StepCount].ToString(), "{}")
            : new AgentDecision.Finish(
                $$"""{"steps":{{context.StepCount}},"messages":{{context.Messages.Count}},"seen":{{JsonSerializer.Serialize(((SimMemory)context.Memory).Seen)}}}""");
    }

    public StepPolicy GetPolicy(StepPlan step) => step.Name switch
    {
        "i" => new StepPolicy { SideEffects = true, Idempotent = true, Timeout = StepTimeout, MaxAttempts = 3 },
        "s" => new StepPolicy { SideEffects = true, Idempotent = false, Timeout = StepTimeout, MaxAttempts = 3 },
        "a" => new StepPolicy { RequiresApproval = true, SideEffects = true, Idempotent = true, Timeout = StepTimeout, MaxAttempts = 3 },
        "z" => new StepPolicy { Action = new StepAction.Sleep(For: TimeSpan.FromMilliseconds(700 + (900 * (step.Index % 4)))) },
        _ => new StepPolicy { Timeout = StepTimeout, MaxAttempts = 3 },
    };

    /// <summary>The text a streaming step sends, in pieces (the same every attempt).</summary>
    public static string StreamedText(int step) => string.Concat(StreamedPieces(step));

    private static IEnumerable<string> StreamedPieces(int step) => Enumerable.Range(0, 4).Select(k => $"s{step}.{k} ");

    public async Task<StepOutput> ExecuteStepAsync(StepContext context, CancellationToken cancellationToken)
    {
        var activation = (SynchronizationContext.Current as SimContext)?.Activation
            ?? throw new InvalidOperationException("A step body ran outside its activation's context.");
        activation.ThrowIfDead();
        var db = cluster.Db;
        var step = context.Step;
        db.Executions.Add(new Execution(context.Run.RunId, step.Index, context.IdempotencyKey, activation.Name,
            activation.Engine.State.LastSeq, db.NextOrder(), cluster.HasRacingActivations(context.Run.RunId)));
        var roll = cluster.FaultsOn ? cluster.Scheduler.Random.Next(100) : 99;
        if (step.Name == "p")
        {
            // A pure step streams its text as a model does: pieces the engine commits as drafts.
            foreach (var piece in StreamedPieces(step.Index))
            {
                context.OnText?.Invoke(piece);
                await Task.Delay(TimeSpan.FromMilliseconds(cluster.Scheduler.Random.Next(1, 12)), cluster.Scheduler.Clock, cancellationToken);
            }
        }

        await Task.Delay(TimeSpan.FromMilliseconds(cluster.Scheduler.Random.Next(5, 60)), cluster.Scheduler.Clock, cancellationToken);
        if (roll < 8)
        {
            throw new TransientStepException("simulated: a transient failure");
        }

        if (roll < 12)
        {
            await Task.Delay(StepTimeout * 4, cluster.Scheduler.Clock, cancellationToken); // the attempt times out
        }

        activation.ThrowIfDead();
        if (step.Name is "i" or "s" or "a")
        {
            db.Effects.Add(new Effect(context.Run.RunId, step.Index, context.IdempotencyKey, step.Name, db.NextOrder()));
            if (roll < 18)
            {
                throw new TransientStepException("simulated: failed after its effect");
            }
        }

        return new StepOutput(step.Name == "x" ? JsonSerializer.Serialize(Poison) : $$"""{"i":{{step.Index}}}""");
    }
}
