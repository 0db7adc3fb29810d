using System.Globalization;
using OrleansAgents.Web.Apis;

namespace OrleansAgents.Web.Responses;

/// <summary>
/// A response is a stretch of one run's journal: <c>resp_{runId}</c> from the run's start, and
/// <c>resp_{runId}~{seq}</c> from the approval request committed at <c>seq</c> (the response a client creates
/// with <c>previous_response_id</c> and its answer). Approval requests are <c>mcpr_{seq}</c>. Derived, never
/// stored, so every front end names the same stretch alike and a retried request lands on the same response.
/// </summary>
public static class ResponseIds
{
    private const string Prefix = "resp_";
    private const string ApprovalPrefix = "mcpr_";

    public static string Response(string runId, long afterRequestSeq = 0) =>
        afterRequestSeq == 0 ? Prefix + runId : $"{Prefix}{runId}~{afterRequestSeq.ToString(CultureInfo.InvariantCulture)}";

    public static string ApprovalRequest(long seq) => ApprovalPrefix + seq.ToString(CultureInfo.InvariantCulture);

    /// <summary>The run and the seq the response begins after (0: the run's start); false for anything else.</summary>
    public static bool TryParse(string? id, out string runId, out long afterSeq)
    {
        runId = "";
        afterSeq = 0;
        if (id is null || !id.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = id[Prefix.Length..];
        var tilde = rest.IndexOf('~', StringComparison.Ordinal);
        if (tilde >= 0)
        {
            if (!long.TryParse(rest[(tilde + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out afterSeq) || afterSeq < 1)
            {
                return false;
            }

            rest = rest[..tilde];
        }

        runId = rest;
        return RunsApi.IsValidRunId(runId);
    }

    public static bool TryParseApprovalRequest(string? id, out long seq)
    {
        seq = 0;
        return id is not null && id.StartsWith(ApprovalPrefix, StringComparison.Ordinal)
            && long.TryParse(id.AsSpan(ApprovalPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out seq) && seq >= 1;
    }
}
