global using Xunit;

// The clusters share one Redis; the command-count assertions need them to take turns.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
