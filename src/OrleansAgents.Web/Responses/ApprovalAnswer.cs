namespace OrleansAgents.Web.Responses;

/// <summary>An <c>mcp_approval_response</c> input item: the answer to an approval request of an earlier response.</summary>
public sealed record ApprovalAnswer(string RequestId, bool Approve, string? Reason);
