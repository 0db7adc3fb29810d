using System.Collections.Concurrent;

namespace OrleansAgents.Testing.Soak;

/// <summary>Everything the soak saw, shared by its drivers, watchers and fault actor.</summary>
public sealed class SoakRecord
{
    private const int ExamplesKept = 10;

    private readonly ConcurrentDictionary<string, long> _violationCounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _checked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, long> _statuses = new();
    private long _unreachable;

    public ConcurrentDictionary<string, SoakRun> Runs { get; } = new(StringComparer.Ordinal);

    /// <summary>Examples of each broken promise (the first few of each kind).</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<string>> Examples { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<SoakFault> Faults { get; } = new();

    public ConcurrentQueue<SoakWatch> Watches { get; } = new();

    public IReadOnlyDictionary<string, long> ViolationCounts => _violationCounts;

    /// <summary>What was checked, and how many times.</summary>
    public IReadOnlyDictionary<string, long> Checked => _checked;

    /// <summary>HTTP answers by status code.</summary>
    public IReadOnlyDictionary<int, long> Statuses => _statuses;

    public long Unreachable => Interlocked.Read(ref _unreachable);

    public long TotalViolations => _violationCounts.Values.Sum();

    public void Violation(string kind, string example)
    {
        _violationCounts.AddOrUpdate(kind, 1, (_, n) => n + 1);
        var examples = Examples.GetOrAdd(kind, _ => new ConcurrentQueue<string>());
        if (examples.Count < ExamplesKept)
        {
            examples.Enqueue(example);
        }
    }

    public void Check(string what, long times = 1) => _checked.AddOrUpdate(what, times, (_, n) => n + times);

    public void Answered(int status) => _statuses.AddOrUpdate(status, 1, (_, n) => n + 1);

    public void CouldNotConnect() => Interlocked.Increment(ref _unreachable);
}
