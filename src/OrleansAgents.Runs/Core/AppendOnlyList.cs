using System.Collections;

namespace OrleansAgents.Runs.Core;

/// <summary>
/// An immutable view of the first <see cref="Count"/> items of a list that only ever grows. Appending
/// returns a new view sharing the items, so states that differ by one step cost one item, not a copy.
/// A view appended to after a longer sibling view was dropped (a commit that did not land) takes the
/// sibling's place: items below every live view's count never change.
/// </summary>
internal sealed class AppendOnlyList<T> : IReadOnlyList<T>
{
    public static readonly AppendOnlyList<T> Empty = new([], 0);

    private readonly List<T> _items;

    private AppendOnlyList(List<T> items, int count)
    {
        _items = items;
        Count = count;
    }

    public int Count { get; }

    public T this[int index] => (uint)index < (uint)Count ? _items[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public AppendOnlyList<T> Append(T item)
    {
        var items = ReferenceEquals(this, Empty) ? [] : _items;
        if (items.Count > Count)
        {
            items.RemoveRange(Count, items.Count - Count);
        }

        items.Add(item);
        return new AppendOnlyList<T>(items, Count + 1);
    }

    public IEnumerator<T> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return _items[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
