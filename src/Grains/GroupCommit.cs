using System.Collections.Concurrent;

namespace ClickOrleans;

/// <summary>
/// Group commit: items that arrive while a commit runs are committed together by the next one, so a store whose
/// commit costs the same for one item as for many (a round trip, an fsync) is paid once for many callers. A caller
/// completes only once the commit that carried its item completed, with that commit's result or exception.
/// </summary>
/// <remarks>
/// Commits run one at a time, by whichever caller holds the turn; there is no background loop to start or stop.
/// An item is never split: a group of items whose total size would pass the maximum waits for the next commit,
/// but a single item larger than the maximum is committed alone.
/// </remarks>
/// <param name="commit">Commits a group, oldest item first; returns one result per item, in the same order.</param>
/// <param name="sizeOf">The size of an item, counted against <paramref name="maxGroupSize"/>.</param>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A SemaphoreSlim whose wait handle is never asked for holds nothing to free.")]
public sealed class GroupCommit<TItem, TResult>(
    Func<IReadOnlyList<TItem>, Task<TResult[]>> commit,
    Func<TItem, int> sizeOf,
    int maxGroupSize)
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly ConcurrentQueue<Queued> _queue = new();

    /// <summary>Groups every item into one commit.</summary>
    public GroupCommit(Func<IReadOnlyList<TItem>, Task<TResult[]>> commit)
        : this(commit, _ => 0, 0)
    {
    }

    public async Task<TResult> CommitAsync(TItem item)
    {
        var queued = new Queued(item);
        _queue.Enqueue(queued);
        while (!queued.Result.Task.IsCompleted)
        {
            await _turn.WaitAsync();
            try
            {
                if (!queued.Result.Task.IsCompleted)
                {
                    await CommitQueuedAsync();
                }
            }
            finally
            {
                _turn.Release();
            }
        }

        return await queued.Result.Task;
    }

    private async Task CommitQueuedAsync()
    {
        var group = new List<Queued>();
        var size = 0;
        // Only the holder of the turn dequeues, so the item peeked is the item dequeued.
        while (_queue.TryPeek(out var next) && (group.Count == 0 || size + sizeOf(next.Item) <= maxGroupSize))
        {
            _queue.TryDequeue(out _);
            group.Add(next);
            size += sizeOf(next.Item);
        }

        try
        {
            var results = await commit([.. group.Select(queued => queued.Item)]);
            for (var i = 0; i < group.Count; i++)
            {
                group[i].Result.SetResult(results[i]);
            }
        }
        catch (Exception e)
        {
            group.ForEach(queued => queued.Result.SetException(e));
        }
    }

    private sealed record Queued(TItem Item)
    {
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
