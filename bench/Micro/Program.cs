using BenchmarkDotNet.Running;
using ClickOrleans.Bench.Micro;

BenchmarkSwitcher.FromAssembly(typeof(HotPathBenchmarks).Assembly).Run(args);
