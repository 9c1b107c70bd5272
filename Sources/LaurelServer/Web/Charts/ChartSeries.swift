/// One named line of a chart: its values in the order of the chart's labels, and the CSS class
/// (`series-<key>`) that gives it a colour from the page's theme.
struct ChartSeries: Equatable {
    var key: String
    var name: String
    var values: [Int]
}
