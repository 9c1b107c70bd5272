/// A horizontal bar chart (members per tier, redemptions per reward) as an inline SVG: one row
/// per item with its label, a bar whose length is proportional to its value on an axis of round
/// numbers, and the exact value written beside it. Accessible as `LineChart` is; with no items,
/// or only zeros, it says so.
struct BarChart {
    struct Bar: Equatable {
        var label: String
        var value: Int
    }

    var id: String
    var title: String
    var bars: [Bar]
    var emptyText = "Nothing to show for this period."

    static let width = 640.0, labelWidth = 180.0, valueWidth = 90.0, rowHeight = 28.0, top = 8.0, bottom = 28.0
    static var barSpace: Double { width - labelWidth - valueWidth }
    /// Labels longer than this are cut, with an ellipsis (the full text stays in each bar's title).
    static let labelCharacters = 24

    var isEmpty: Bool { bars.allSatisfy { $0.value == 0 } }
    var height: Double { isEmpty ? 80 : Self.top + Double(bars.count) * Self.rowHeight + Self.bottom }

    var svg: String {
        let titleId = SVGText.escape(id + "-title"), descId = SVGText.escape(id + "-desc")
        var out = """
            <svg class="laurel-chart" role="img" aria-labelledby="\(titleId) \(descId)" viewBox="0 0 \(Int(Self.width)) \(Int(height))" \
            xmlns="http://www.w3.org/2000/svg"><title id="\(titleId)">\(SVGText.escape(title))</title>\
            <desc id="\(descId)">\(SVGText.escape(description))</desc>
            """
        if isEmpty {
            return out + "<text class=\"empty\" x=\"\(Int(Self.width / 2))\" y=\"44\" text-anchor=\"middle\">\(SVGText.escape(emptyText))</text></svg>"
        }
        let axis = ChartAxis(maximum: bars.map(\.value).max() ?? 0)
        let bottomLine = Self.top + Double(bars.count) * Self.rowHeight
        for tick in axis.ticks {
            let x = SVGText.number(Self.labelWidth + tick / axis.top * Self.barSpace)
            out += "<line class=\"grid\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(SVGText.number(Self.top))\" y2=\"\(SVGText.number(bottomLine))\"/>"
            out += "<text x=\"\(x)\" y=\"\(SVGText.number(bottomLine + 18))\" text-anchor=\"middle\">\(ChartAxis.label(tick))</text>"
        }
        for (index, bar) in bars.enumerated() {
            let y = Self.top + Double(index) * Self.rowHeight
            let length = axis.position(max(bar.value, 0), length: Self.barSpace)
            let label = bar.label.count > Self.labelCharacters ? String(bar.label.prefix(Self.labelCharacters - 1)) + "…" : bar.label
            out += "<text x=\"\(Int(Self.labelWidth - 8))\" y=\"\(SVGText.number(y + 18))\" text-anchor=\"end\">\(SVGText.escape(label))</text>"
            out += "<rect class=\"bar\" x=\"\(Int(Self.labelWidth))\" y=\"\(SVGText.number(y + 5))\" width=\"\(SVGText.number(length))\" height=\"\(Int(Self.rowHeight - 10))\">"
            out += "<title>\(SVGText.escape(bar.label)): \(bar.value)</title></rect>"
            // Up to seven digits fit the value column; larger values are written short ("12M").
            let value = bar.value < 10_000_000 ? String(bar.value) : ChartAxis.label(Double(bar.value))
            out += "<text class=\"value\" x=\"\(SVGText.number(Self.labelWidth + length + 6))\" y=\"\(SVGText.number(y + 18))\">\(value)</text>"
        }
        return out + "</svg>"
    }

    var description: String {
        guard !isEmpty else { return emptyText }
        return bars.map { "\($0.label): \($0.value)" }.joined(separator: ", ") + "."
    }
}
