/// The dashboard's charts made from an `AnalyticsReport`: points issued, spent and expired per
/// day; members per tier; the most redeemed rewards. Each page shows a table of the same numbers
/// beside its chart.
enum DashboardCharts {
    static func points(_ points: AnalyticsReport.Points) -> LineChart {
        let days = points.days
        return LineChart(id: "chart-points", title: "Points issued, spent and expired per day", labels: days.map(\.date), series: [
            ChartSeries(key: "issued", name: "Issued", values: days.map(\.movements.issued)),
            ChartSeries(key: "spent", name: "Spent", values: days.map(\.movements.spent)),
            ChartSeries(key: "expired", name: "Expired", values: days.map(\.movements.expired)),
        ], emptyText: "No points were issued, spent or expired in this period.")
    }

    static func tiers(_ tiers: AnalyticsReport.Tiers) -> BarChart {
        BarChart(id: "chart-tiers", title: "Members per tier", bars: tiers.distribution.map {
            BarChart.Bar(label: $0.name.value ?? $0.tier.value ?? "No tier", value: $0.members)
        }, emptyText: "No members yet.")
    }

    static func rewards(_ rewards: AnalyticsReport.Rewards) -> BarChart {
        BarChart(id: "chart-rewards", title: "Most redeemed rewards", bars: rewards.top.map { BarChart.Bar(label: $0.name, value: $0.redemptions) },
                 emptyText: "No rewards were redeemed in this period.")
    }
}
