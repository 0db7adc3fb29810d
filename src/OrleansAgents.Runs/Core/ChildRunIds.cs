using System.Security.Cryptography;
using System.Text;

namespace OrleansAgents.Runs.Core;

/// <summary>
/// A child run's ID, derived from its parent's run ID, the step that starts it and its place among that step's
/// children (<c>parent::step.i</c>): a crash anywhere starts the same child again, never a second one. IDs with
/// <see cref="Separator"/> are reserved for children (the API refuses them for a start). A parent ID too long to
/// prefix is replaced by its hash, so every ID stays within the 128 characters run IDs may have.
/// </summary>
internal static class ChildRunIds
{
    public const string Separator = "::";

    private const int MaxLength = 128;

    public static string For(string parentRunId, int step, int index)
    {
        var suffix = $"{Separator}{step}.{index}";
        return parentRunId.Length + suffix.Length <= MaxLength
            ? parentRunId + suffix
            : "h" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(parentRunId)))[..40] + suffix;
    }
}
