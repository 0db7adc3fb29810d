using OrleansAgents.Agents;

namespace OrleansAgents.Runs.Core;

/// <summary>
/// The step gate, as a pure decision: between a step's start and its result, what must be recorded or
/// asked before its body may run. Called again after every commit, so each call decides one move.
/// </summary>
internal static class RunGate
{
    public static GateDecision Decide(RunState state, StepPlan plan, StepPolicy policy)
    {
        var tool = policy.Tool ?? plan.Name;
        var arguments = policy.ToolArguments ?? plan.Args;
        if (state.Gate == StepGate.Rejected)
        {
            return new GateDecision.Skip(state.RejectionReason ?? "rejected by a person");
        }

        if (state.Gate == StepGate.IntentOpen && policy.SideEffects && !policy.Idempotent)
        {
            // Cut off between intent and outcome: running it again could repeat its side effect.
            return new GateDecision.Ask(new InputRequest(plan.Index, InputRequestKinds.OutcomeUnknown, tool, arguments,
                $"'{tool}' was interrupted after it started and may or may not have taken effect. Approve to run it again, reject to go on without it."));
        }

        if (policy.RequiresApproval && !state.Approved)
        {
            return new GateDecision.Ask(new InputRequest(plan.Index, InputRequestKinds.Approval, tool, arguments,
                policy.ApprovalQuestion ?? $"Approve running '{tool}'?"));
        }

        return policy.SideEffects && state.Gate != StepGate.IntentOpen
            ? new GateDecision.RecordIntent(tool)
            : GateDecision.Run;
    }

    /// <summary>What a person is asked when a tool whose effect must not repeat failed in a way that hides whether it took effect.</summary>
    public static InputRequest OutcomeUnknown(StepPlan plan, StepPolicy policy, string error)
    {
        var tool = policy.Tool ?? plan.Name;
        return new InputRequest(plan.Index, InputRequestKinds.OutcomeUnknown, tool, policy.ToolArguments ?? plan.Args,
            $"'{tool}' failed ({error}) and may or may not have taken effect. Approve to run it again, reject to go on without it.");
    }
}
