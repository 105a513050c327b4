// Which .NET Parquet library the archive sink writes with (issue 25: "measure before you choose"). Writes the same
// clicks with each candidate, in alternating rounds, in row groups of a drain's chunk, and has DuckDB read every file
// back (a file DuckDB reads differently is a failure, exit 1). Prints per candidate the median rows/s, CPU-seconds and
// managed bytes allocated per million rows, and the file's size.
//   bench/parquet-choice.sh [rows] [rounds] [row group]     # default 1000000 5 20000
using System.Diagnostics;
using System.IO.Compression;
using ClickOrleans.Bench.ParquetChoice;

var rows = args.Length > 0 ? int.Parse(args[0]) : 1_000_000;
var rounds = args.Length > 1 ? int.Parse(args[1]) : 5;
var rowGroup = args.Length > 2 ? int.Parse(args[2]) : 20_000;

var clicks = new ClickColumns(rows);
Candidate[] candidates =
[
    new ParquetNetCandidate(Parquet.CompressionMethod.Snappy, CompressionLevel.Optimal),
    new ParquetSharpCandidate(ParquetSharp.Compression.Snappy),
    new ParquetNetCandidate(Parquet.CompressionMethod.Zstd, CompressionLevel.Fastest),
    new ParquetNetCandidate(Parquet.CompressionMethod.Zstd, CompressionLevel.SmallestSize),
    new ParquetSharpCandidate(ParquetSharp.Compression.Zstd),
];
var directory = Directory.CreateTempSubdirectory("parquet-choice-");
var measured = candidates.ToDictionary(candidate => candidate, _ => new List<(double Seconds, double Cpu, long Allocated)>());
var sizes = new Dictionary<Candidate, long>();
var process = Process.GetCurrentProcess();

// A first round warms every candidate up (JIT, native library load) and is not counted.
for (var round = -1; round < rounds; round++)
{
    foreach (var candidate in round % 2 == 0 ? candidates : candidates.Reverse())
    {
        var path = Path.Combine(directory.FullName, $"{candidate.Library}-{candidate.Compression}.parquet".Replace(' ', '-'));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await candidate.WriteAsync(clicks, rowGroup, path);
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;

        var found = DuckDbReader.Read(path);
        if (found != clicks.Expected)
        {
            Console.Error.WriteLine($"{candidate.Name}: DuckDB read {found}, written {clicks.Expected}");
            return 1;
        }

        sizes[candidate] = new FileInfo(path).Length;
        if (round >= 0)
        {
            measured[candidate].Add((clock.Elapsed.TotalSeconds, cpu, allocated));
        }
    }
}

directory.Delete(recursive: true);
Console.WriteLine($"{rows:N0} clicks (id uuid, client_id string, 1 in 10 set, ts timestamp ms, uid and pid int64) in row groups of {rowGroup:N0}; " +
    $"{rounds} rounds, medians; every file read back by DuckDB {typeof(DuckDB.NET.Data.DuckDBConnection).Assembly.GetName().Version}");
Console.WriteLine("| library | compression | rows/s | CPU-s per 1M rows | managed bytes per row | file MB |");
Console.WriteLine("|---|---|---|---|---|---|");
foreach (var candidate in candidates)
{
    var runs = measured[candidate];
    double Median(Func<(double Seconds, double Cpu, long Allocated), double> of) => runs.Select(of).Order().ElementAt(runs.Count / 2);
    Console.WriteLine($"| {candidate.Library} | {candidate.Compression} | {rows / Median(run => run.Seconds):N0} | " +
        $"{Median(run => run.Cpu) * 1_000_000 / rows:F2} | {Median(run => run.Allocated) / rows:F0} | {sizes[candidate] / 1e6:F1} |");
}

return 0;
