# Plots bench/scale.tsv (written by bench/scale.sh): gnuplot -e "quota=8" bench/scale.gp
set terminal pngcairo size 760,460 font "sans,10"
set output "bench/scale.png"
set title sprintf("Drain throughput against silos, each silo confined to %d%% of a core\nshards = silos; Redis Cluster (3 masters) and PostgreSQL unconfined; 2 cores in all", quota)
set xlabel "silos"
set ylabel "clicks/s"
set y2label "machine CPU busy (%)"
set xtics (1, 2, 3, 4)
set yrange [0:*]
set y2range [0:100]
set y2tics 20
set ytics nomirror
set key top left
set grid
first = system("awk -F'\t' 'NR == 2 { print $2 }' bench/scale.tsv") + 0
plot "bench/scale.tsv" using 1:2 with linespoints lw 2 pt 7 title "measured", \
     "bench/scale.tsv" using 1:($1 * first) with lines dt 2 title "linear from 1 silo", \
     "bench/scale.tsv" using 1:7 axes x1y2 with linespoints lw 1 pt 4 title "machine CPU busy (right)"
