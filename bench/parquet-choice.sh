#!/usr/bin/env bash
# Which .NET Parquet library the archive writes with: Parquet.Net and ParquetSharp, Snappy and Zstd, writing the same
# clicks in alternating rounds, every file read back by DuckDB (bench/ParquetChoice; not in the solution: its packages
# are only for this measurement).
#   bench/parquet-choice.sh [rows] [rounds] [row group]     # default 1000000 5 20000
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/ParquetChoice -c Release -v q -nologo >/dev/null
dotnet bench/ParquetChoice/bin/Release/net10.0/ClickOrleans.Bench.ParquetChoice.dll "$@"
