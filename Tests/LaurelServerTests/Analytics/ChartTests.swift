import Foundation
@testable import LaurelServer
import Testing

/// The dashboard's SVG charts: accessible structure, escaped text, round axis ticks, bars and
/// lines in proportion to their values, an empty state, and no overflow on huge numbers.
struct ChartTests {
    /// The numbers in every `attribute="…"` of `svg`, in order.
    static func values(_ attribute: String, in svg: String) -> [Double] {
        svg.components(separatedBy: " \(attribute)=\"").dropFirst().compactMap { Double($0.prefix { $0 != "\"" }) }
    }

    /// The SVG is well-formed as far as text can spoil it: tags nest and close, and no `<` or bare
    /// `&` is left in text or attributes (so every label was escaped).
    static func parses(_ svg: String) -> Bool {
        var open: [String] = []
        var rest = Substring(svg)
        while let start = rest.firstIndex(of: "<") {
            if rest[..<start].contains(">") { return false }
            guard let end = rest[start...].firstIndex(of: ">") else { return false }
            let tag = rest[rest.index(after: start)..<end]
            if tag.dropFirst().contains("<") || tag.contains("&") && !tag.contains("&amp;") && !tag.contains("&quot;") { return false }
            let name = String(tag.drop { $0 == "/" }.prefix { $0.isLetter || $0 == "-" })
            if tag.hasPrefix("/") {
                guard open.popLast() == name else { return false }
            } else if !tag.hasSuffix("/") {
                open.append(name)
            }
            rest = rest[rest.index(after: end)...]
            let text = rest.prefix { $0 != "<" }
            for (index, character) in text.enumerated() where character == "&" {
                let entity = text.dropFirst(index).prefix(6)
                guard ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].contains(where: { entity.hasPrefix($0) }) else { return false }
            }
        }
        return open.isEmpty && !rest.contains(">")
    }

    @Test func axisTicksAreRoundNumbersFromZeroCoveringTheLargestValue() {
        #expect(ChartAxis(maximum: 0).ticks == [0, 1])
        #expect(ChartAxis(maximum: 1).ticks == [0, 1])
        #expect(ChartAxis(maximum: 7).ticks == [0, 2, 4, 6, 8])
        #expect(ChartAxis(maximum: 100).ticks == [0, 50, 100])
        #expect(ChartAxis(maximum: 1_234).ticks == [0, 500, 1_000, 1_500])
        #expect(ChartAxis(maximum: 98_000).ticks == [0, 50_000, 100_000])
        let huge = ChartAxis(maximum: Int.max)
        #expect(huge.top >= Double(Int.max) && huge.ticks.count <= 6)
        #expect(["0", "950", "1.5k", "20k", "120M", "9.2E"] == [0, 950, 1_500, 20_000, 120_000_000, 9.2e18].map(ChartAxis.label))
    }

    @Test func barsAreProportionalAndLabelledEscaped() throws {
        let chart = BarChart(id: "t", title: "Members & tiers", bars: [.init(label: "Gold <VIP>", value: 50), .init(label: "Silver", value: 100),
                                                                      .init(label: "None", value: 0)])
        let svg = chart.svg
        #expect(Self.parses(svg), "\(svg)")
        #expect(svg.hasPrefix("<svg class=\"laurel-chart\" role=\"img\" aria-labelledby=\"t-title t-desc\""))
        #expect(svg.contains("<title id=\"t-title\">Members &amp; tiers</title>"))
        #expect(svg.contains("<desc id=\"t-desc\">Gold &lt;VIP&gt;: 50, Silver: 100, None: 0.</desc>"))
        #expect(svg.contains(">Gold &lt;VIP&gt;</text>") && !svg.contains("<VIP>"))
        let widths = Self.values("width", in: svg)
        #expect(widths.count == 3 && widths[0] * 2 == widths[1] && widths[2] == 0, "\(widths)")
        #expect(widths[1] == BarChart.barSpace, "the largest bar reaches the top tick, 100")
        #expect(svg.contains(">100</text>") && svg.contains(">50</text>"))
        #expect(!svg.contains("<script"))
    }

    @Test func hugeValuesStayInsideTheChart() throws {
        let svg = BarChart(id: "h", title: "Huge", bars: [.init(label: String(repeating: "Very long reward name ", count: 5), value: Int.max),
                                                         .init(label: "small", value: 1)]).svg
        #expect(Self.parses(svg))
        for x in Self.values("x", in: svg) + Self.values("width", in: svg) { #expect(x >= 0 && x <= BarChart.width, "\(x)") }
        #expect(svg.contains(">9.2E</text>"), "a 19-digit value is written short")
        #expect(svg.contains("Very long reward name V…</text>"), "a long label is cut, with an ellipsis")
        let line = LineChart(id: "l", title: "t", labels: ["a", "b"], series: [ChartSeries(key: "issued", name: "Issued", values: [Int.max, 0])]).svg
        for y in Self.values("y", in: line) + Self.values("y1", in: line) { #expect(y >= 0 && y <= LineChart.height, "\(y)") }
    }

    @Test func aLineChartDrawsEachSeriesOnTheSameAxis() throws {
        let labels = (1...10).map { String(format: "2026-03-%02d", $0) }
        let chart = LineChart(id: "p", title: "Points per day", labels: labels, series: [
            ChartSeries(key: "issued", name: "Issued", values: [0, 100, 200, 0, 0, 0, 0, 0, 0, 400]),
            ChartSeries(key: "spent", name: "Spent", values: Array(repeating: 100, count: 10)),
        ])
        let svg = chart.svg
        #expect(Self.parses(svg), "\(svg)")
        #expect(svg.contains("role=\"img\"") && svg.contains("<desc id=\"p-desc\">2026-03-01 to 2026-03-10: Issued 700 in total, Spent 1000 in total.</desc>"))
        #expect(svg.components(separatedBy: "<polyline").count == 3 && svg.components(separatedBy: "<polygon").count == 2)
        #expect(svg.contains("class=\"line series-1 series-issued\"") && svg.contains("class=\"line series-2 series-spent\""))
        // The axis tops at 400; spent (100) sits a quarter of the way up, issued's last point at the top.
        let spent = try #require(svg.components(separatedBy: "series-spent\" points=\"").dropFirst().first?.prefix { $0 != "\"" })
        let ys = Set(spent.split(separator: " ").compactMap { Double($0.split(separator: ",")[1]) })
        #expect(ys == [LineChart.top + LineChart.plotHeight * 0.75])
        #expect(svg.contains(">400</text>") && svg.contains(">0</text>"))
        #expect(["2026-03-01", "2026-03-10"].allSatisfy { svg.contains(">\($0)</text>") })
        #expect(svg.components(separatedBy: "text-anchor=\"middle\">2026-03").count - 1 == 6, "six date labels at most")
    }

    @Test func emptyDataRendersAnEmptyState() {
        let line = LineChart(id: "e", title: "Points", labels: ["2026-03-01"], series: [ChartSeries(key: "issued", name: "Issued", values: [0])],
                             emptyText: "No points moved.")
        #expect(line.isEmpty && line.svg.contains(">No points moved.</text>") && !line.svg.contains("<polyline"))
        #expect(Self.parses(line.svg) && line.svg.contains("<desc id=\"e-desc\">No points moved.</desc>"))
        let bars = BarChart(id: "b", title: "Tiers", bars: [])
        #expect(bars.isEmpty && bars.svg.contains("class=\"empty\"") && !bars.svg.contains("<rect"))
    }
}
