using System.Text.Json;

namespace OrleansAgents.Cli.Watching;

/// <summary>
/// The last event seq shown per run (and front end), so that <c>oagents run watch</c> continues where the previous
/// watch stopped. A small JSON file: <c>$XDG_STATE_HOME/oagents/watch.json</c>, else
/// <c>~/.local/state/oagents/watch.json</c>.
/// </summary>
public sealed class WatchState(string path)
{
    private const int MaxEntries = 500;
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private bool _warned;

    public string Path { get; } = path;

    public static WatchState Default()
    {
        var root = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(root))
        {
            root = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return new WatchState(System.IO.Path.Combine(root, "oagents", "watch.json"));
    }

    public long? LastSeq(Uri frontEnd, string runId) =>
        Load().TryGetValue(Key(frontEnd, runId), out var entry) ? entry.Seq : null;

    /// <summary>Records <paramref name="seq"/> as shown; written through a temporary file so a kill never leaves half a file.</summary>
    public void Save(Uri frontEnd, string runId, long seq)
    {
        var entries = Load();
        entries[Key(frontEnd, runId)] = new Entry(seq, DateTimeOffset.UtcNow);
        if (entries.Count > MaxEntries)
        {
            foreach (var old in entries.OrderBy(e => e.Value.At).Take(entries.Count - MaxEntries).Select(e => e.Key).ToList())
            {
                entries.Remove(old);
            }
        }

        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            var temporary = $"{Path}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(entries, Options));
            File.Move(temporary, Path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Watching goes on; only resuming later suffers. Say so once.
            if (!_warned)
            {
                _warned = true;
                Console.Error.WriteLine($"oagents: warning: cannot write the watch state file '{Path}' ({ex.Message}); a later watch will not know where this one stopped.");
            }
        }
    }

    private Dictionary<string, Entry> Load()
    {
        try
        {
            return File.Exists(Path)
                ? JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(Path), Options) ?? []
                : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            // An unreadable state file only costs the resume point: start over rather than fail.
            return [];
        }
    }

    private static string Key(Uri frontEnd, string runId) => $"{frontEnd.GetLeftPart(UriPartial.Authority)}|{runId}";

    /// <summary>One run's resume point.</summary>
    public sealed record Entry(long Seq, DateTimeOffset At);
}
