namespace ClickOrleans.Tests;

/// <summary>The group-commit mechanism behind the SQLite sink and the Api's staging pushes.</summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task ItemsQueuedDuringACommit_GoOutTogether_EachWithItsOwnResult()
    {
        var store = new GatedStore();
        var commits = new GroupCommit<string, string>(store.CommitAsync);

        var first = commits.CommitAsync("a");
        await store.Entered.Task;
        var queued = new[] { commits.CommitAsync("b"), commits.CommitAsync("c"), commits.CommitAsync("d") };
        store.Open();

        Assert.Equal("A", await first);
        Assert.Equal(["B", "C", "D"], await Task.WhenAll(queued));
        Assert.Equal([["a"], ["b", "c", "d"]], store.Groups);
    }

    [Fact]
    public async Task AGroup_StaysWithinTheMaximumSize_WithoutSplittingAnItem()
    {
        var store = new GatedStore();
        var commits = new GroupCommit<string, string>(store.CommitAsync, item => item.Length, maxGroupSize: 3);

        var first = commits.CommitAsync("a");
        await store.Entered.Task;
        var queued = new[] { commits.CommitAsync("bb"), commits.CommitAsync("c"), commits.CommitAsync("dddd"), commits.CommitAsync("e") };
        store.Open();
        await Task.WhenAll(queued.Append(first));

        Assert.Equal([["a"], ["bb", "c"], ["dddd"], ["e"]], store.Groups);
    }

    [Fact]
    public async Task AFailedCommit_FailsEveryItemInIt_AndTheNextCommitRuns()
    {
        var store = new GatedStore();
        var commits = new GroupCommit<string, string>(store.CommitAsync);

        var first = commits.CommitAsync("a");
        await store.Entered.Task;
        var failing = new[] { commits.CommitAsync("fail"), commits.CommitAsync("b") };
        store.Open();
        await first;

        foreach (var item in failing)
        {
            Assert.Equal("refused", (await Assert.ThrowsAsync<InvalidOperationException>(() => item)).Message);
        }

        Assert.Equal("C", await commits.CommitAsync("c"));
    }

    /// <summary>Records each group; the first commit waits until <see cref="Open"/> so that others queue behind it.</summary>
    private sealed class GatedStore
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string[]> Groups { get; } = [];

        public void Open() => _gate.TrySetResult();

        public async Task<string[]> CommitAsync(IReadOnlyList<string> items)
        {
            Groups.Add([.. items]);
            Entered.TrySetResult();
            await _gate.Task;
            return items.Contains("fail") ? throw new InvalidOperationException("refused") : [.. items.Select(item => item.ToUpperInvariant())];
        }
    }
}
