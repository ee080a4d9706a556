package dev.cairn.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import dev.cairn.bench.load.LoadResult;
import dev.cairn.bench.scenario.ScenarioResult;

/**
 * One PNG per scenario (headless XChart): latency percentiles over offered load (p50, p99, p99.9 of each
 * series, log scale), or the latency distribution for scenarios that are not a sweep, next to throughput
 * against its baseline.
 */
public final class Plots {

    private Plots() {
    }

    public static void write(ScenarioResult r, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Chart<?, ?>> charts = new ArrayList<>();
        if (!r.sweeps.isEmpty()) {
            XYChart c = new XYChartBuilder().width(800).height(600).title(r.name + ": latency over load")
                    .xAxisTitle("offered load (requests/s)").yAxisTitle("latency (ms, from intended send)").build();
            c.getStyler().setYAxisLogarithmic(true).setLegendPosition(Styler.LegendPosition.OutsideS);
            c.getStyler().setXAxisDecimalPattern("#,###");
            for (Map.Entry<String, List<LoadResult>> e : r.sweeps.entrySet()) {
                List<LoadResult> points = e.getValue();
                if (points.isEmpty()) {
                    continue;
                }
                for (double pct : new double[]{50, 99, 99.9}) {
                    List<Double> x = new ArrayList<>();
                    List<Double> y = new ArrayList<>();
                    for (LoadResult lr : points) {
                        double v = lr.percentileMillis(pct);
                        if (!Double.isNaN(v)) {
                            x.add((double) Math.round(lr.offeredPerSecond()));
                            y.add(Math.max(0.001, v));
                        }
                    }
                    if (!x.isEmpty()) {
                        c.addSeries(e.getKey() + " p" + (pct == 99.9 ? "99.9" : (int) pct), x, y)
                                .setMarker(SeriesMarkers.CIRCLE);
                    }
                }
            }
            charts.add(c);
        }
        if (!r.distributions.isEmpty()) {
            XYChart c = new XYChartBuilder().width(800).height(600).title(r.name + ": latency distribution")
                    .xAxisTitle("percentile").yAxisTitle("latency (ms)").build();
            c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
            for (Map.Entry<String, Histogram> e : r.distributions.entrySet()) {
                Histogram h = e.getValue();
                if (h.getTotalCount() == 0) {
                    continue;
                }
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                for (double pct : new double[]{1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100}) {
                    x.add(pct);
                    y.add(h.getValueAtPercentile(pct) / 1000.0);
                }
                c.addSeries(e.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
            }
            charts.add(c);
        }
        if (!r.throughput.isEmpty()) {
            CategoryChart c = new CategoryChartBuilder().width(800).height(600)
                    .title(r.name + ": throughput against baseline").yAxisTitle(r.throughputUnit).build();
            c.getStyler().setLegendVisible(false);
            c.getStyler().setLabelsVisible(true);
            c.getStyler().setXAxisLabelRotation(15);
            List<Double> values = new ArrayList<>();
            for (double v : r.throughput.values()) {
                values.add(v < 10 ? Math.round(v * 1000) / 1000.0 : (double) Math.round(v));
            }
            c.addSeries("throughput", new ArrayList<>(r.throughput.keySet()), values);
            charts.add(c);
        }
        if (charts.isEmpty()) {
            return;
        }
        BitmapEncoder.saveBitmap(charts, 1, charts.size(), png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
