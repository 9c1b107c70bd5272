/// A line chart of a few series over the same labels (points issued, spent, expired per day), as
/// an inline SVG: `role="img"`, a `<title>` and `<desc>` it is labelled by, axis ticks on round
/// numbers, a legend in text, and a shaded area under the first series. No script. With no
/// values, or only zeros, it says so instead of drawing empty axes.
struct LineChart {
    var id: String
    var title: String
    var labels: [String]
    var series: [ChartSeries]
    var emptyText = "Nothing happened in this period."

    static let width = 640.0, height = 260.0
    static let left = 56.0, right = 16.0, top = 16.0, bottom = 56.0
    static var plotWidth: Double { width - left - right }
    static var plotHeight: Double { height - top - bottom }

    var isEmpty: Bool { labels.isEmpty || series.allSatisfy { $0.values.allSatisfy { $0 == 0 } } }

    var svg: String {
        let titleId = SVGText.escape(id + "-title"), descId = SVGText.escape(id + "-desc")
        var out = """
            <svg class="laurel-chart" role="img" aria-labelledby="\(titleId) \(descId)" viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" \
            xmlns="http://www.w3.org/2000/svg"><title id="\(titleId)">\(SVGText.escape(title))</title>\
            <desc id="\(descId)">\(SVGText.escape(description))</desc>
            """
        if isEmpty {
            out += "<text class=\"empty\" x=\"\(Int(Self.width / 2))\" y=\"\(Int(Self.height / 2))\" text-anchor=\"middle\">\(SVGText.escape(emptyText))</text></svg>"
            return out
        }
        let axis = ChartAxis(maximum: series.flatMap(\.values).max() ?? 0)
        out += valueAxis(axis) + labelAxis()
        for (index, line) in series.enumerated() {
            let points = line.values.prefix(labels.count).enumerated().map { "\(SVGText.number(x($0.offset))),\(SVGText.number(y($0.element, axis)))" }
            let classes = "series-\(index % 4 + 1) series-\(SVGText.escape(line.key))"
            if index == 0, let first = points.first, let last = points.last {
                let base = SVGText.number(Self.top + Self.plotHeight)
                out += "<polygon class=\"area \(classes)\" points=\"\(first.split(separator: ",")[0]),\(base) \(points.joined(separator: " ")) \(last.split(separator: ",")[0]),\(base)\"/>"
            }
            out += "<polyline class=\"line \(classes)\" points=\"\(points.joined(separator: " "))\"><title>\(SVGText.escape(line.name))</title></polyline>"
        }
        out += legend()
        return out + "</svg>"
    }

    /// What a screen reader hears: the range and each series' total.
    var description: String {
        guard !isEmpty else { return emptyText }
        let range = labels.count == 1 ? labels[0] : "\(labels.first ?? "") to \(labels.last ?? "")"
        return "\(range): " + series.map { line in "\(line.name) \(line.values.reduce(0) { $0 &+ $1 }) in total" }.joined(separator: ", ") + "."
    }

    private func x(_ index: Int) -> Double {
        labels.count < 2 ? Self.left + Self.plotWidth / 2 : Self.left + Double(index) / Double(labels.count - 1) * Self.plotWidth
    }

    private func y(_ value: Int, _ axis: ChartAxis) -> Double { Self.top + Self.plotHeight - axis.position(max(value, 0), length: Self.plotHeight) }

    private func valueAxis(_ axis: ChartAxis) -> String {
        var out = "<g class=\"value-axis\">"
        for tick in axis.ticks {
            let y = SVGText.number(Self.top + Self.plotHeight - tick / axis.top * Self.plotHeight)
            out += "<line class=\"grid\" x1=\"\(Int(Self.left))\" x2=\"\(Int(Self.width - Self.right))\" y1=\"\(y)\" y2=\"\(y)\"/>"
            out += "<text x=\"\(Int(Self.left - 6))\" y=\"\(y)\" dy=\"4\" text-anchor=\"end\">\(ChartAxis.label(tick))</text>"
        }
        return out + "</g>"
    }

    /// At most six labels under the axis, evenly spread, the first and the last always.
    private func labelAxis() -> String {
        let baseline = Self.top + Self.plotHeight
        var out = "<g class=\"label-axis\"><line class=\"axis\" x1=\"\(Int(Self.left))\" x2=\"\(Int(Self.width - Self.right))\" y1=\"\(SVGText.number(baseline))\" y2=\"\(SVGText.number(baseline))\"/>"
        let shown = labels.count <= 6 ? Array(labels.indices) : (0..<6).map { $0 * (labels.count - 1) / 5 }
        for index in shown {
            out += "<text x=\"\(SVGText.number(x(index)))\" y=\"\(SVGText.number(baseline + 18))\" text-anchor=\"middle\">\(SVGText.escape(labels[index]))</text>"
        }
        return out + "</g>"
    }

    private func legend() -> String {
        var out = "<g class=\"legend\">"
        var x = Self.left
        for (index, line) in series.enumerated() {
            let y = Self.height - 12
            out += "<rect class=\"series-\(index % 4 + 1)\" x=\"\(SVGText.number(x))\" y=\"\(SVGText.number(y - 9))\" width=\"10\" height=\"10\"/>"
            out += "<text x=\"\(SVGText.number(x + 14))\" y=\"\(SVGText.number(y))\">\(SVGText.escape(line.name))</text>"
            x += 24 + Double(line.name.count) * 7
        }
        return out + "</g>"
    }
}
