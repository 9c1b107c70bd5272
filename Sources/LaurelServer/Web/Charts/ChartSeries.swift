/// One named line of a chart: its values in the order of the chart's labels, and the CSS class
/// (`series-<key>`) that gives it a colour from the page's theme.
struct ChartSeries: Equatable {
    var key: String
    var name: String
    var values: [Int]
}

/// The CSS both charts use: colours come from the page's custom properties, with fallbacks
/// that keep 4.5:1 contrast on white, so a theme restyles every chart without touching it.
enum ChartStyle {
    static let css = """
        .laurel-chart{font:12px var(--font-sans,system-ui,sans-serif);color:var(--chart-text,#1f2933)}\
        .laurel-chart text{fill:currentColor}\
        .laurel-chart .grid{stroke:var(--chart-grid,#d9dee3);stroke-width:1}\
        .laurel-chart .axis{stroke:var(--chart-axis,#52606d);stroke-width:1}\
        .laurel-chart .line{fill:none;stroke-width:2}\
        .laurel-chart .area{stroke:none;opacity:.12}\
        .laurel-chart .bar{fill:var(--chart-1,#1d4ed8)}\
        .laurel-chart .series-1{stroke:var(--chart-1,#1d4ed8);fill:var(--chart-1,#1d4ed8)}\
        .laurel-chart .series-2{stroke:var(--chart-2,#b45309);fill:var(--chart-2,#b45309)}\
        .laurel-chart .series-3{stroke:var(--chart-3,#047857);fill:var(--chart-3,#047857)}\
        .laurel-chart .series-4{stroke:var(--chart-4,#9d174d);fill:var(--chart-4,#9d174d)}\
        .laurel-chart .empty{fill:var(--chart-muted,#52606d)}
        """
}
