/// The dashboard's charts made from an `AnalyticsReport`: points issued, spent and expired per
/// day; members per tier; the most redeemed rewards. Each page shows a table of the same numbers
/// beside its chart. Titles and legends are the page's language (English by default).
enum DashboardCharts {
    static func points(_ points: AnalyticsReport.Points, locale: WebLocale = .named("en")) -> LineChart {
        let days = points.days
        return LineChart(id: "chart-points", title: locale["chart_points_title"], labels: days.map(\.date), series: [
            ChartSeries(key: "issued", name: locale["chart_points_issued"], values: days.map(\.movements.issued)),
            ChartSeries(key: "spent", name: locale["chart_points_spent"], values: days.map(\.movements.spent)),
            ChartSeries(key: "expired", name: locale["chart_points_expired"], values: days.map(\.movements.expired)),
        ], emptyText: locale["chart_points_empty"])
    }

    static func tiers(_ tiers: AnalyticsReport.Tiers, locale: WebLocale = .named("en")) -> BarChart {
        BarChart(id: "chart-tiers", title: locale["chart_tiers_title"], bars: tiers.distribution.map {
            BarChart.Bar(label: $0.name.value ?? $0.tier.value ?? locale["console_member_no_tier"], value: $0.members)
        }, emptyText: locale["chart_tiers_empty"])
    }

    static func rewards(_ rewards: AnalyticsReport.Rewards, locale: WebLocale = .named("en")) -> BarChart {
        BarChart(id: "chart-rewards", title: locale["chart_rewards_title"], bars: rewards.top.map { BarChart.Bar(label: $0.name, value: $0.redemptions) },
                 emptyText: locale["chart_rewards_empty"])
    }
}
