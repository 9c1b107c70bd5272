import Foundation

/// A value axis from zero: ticks at 1, 2 or 5 × a power of ten, about `count` of them, the top
/// tick at or above the largest value, and short labels ("1.5k", "20M") that stay short for any
/// 64-bit count.
struct ChartAxis: Equatable {
    /// Tick values from 0 up, as doubles: the top of a 64-bit axis does not fit an Int.
    let ticks: [Double]
    var top: Double { ticks.last ?? 1 }

    init(maximum: Int, count: Int = 4) {
        let largest = Double(max(maximum, 0))
        guard largest > 0 else { ticks = [0, 1]; return }
        let rough = largest / Double(count)
        let power = pow(10, floor(log10(rough)))
        // Counts are whole: no step below 1.
        let step = max(1, [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power)
        let steps = Int((largest / step).rounded(.up))
        ticks = (0...max(steps, 1)).map { Double($0) * step }
    }

    /// Where `value` sits on an axis `length` long (0 at zero, `length` at the top tick).
    func position(_ value: Int, length: Double) -> Double { Double(value) / top * length }

    static func label(_ value: Double) -> String {
        let units: [(Double, String)] = [(1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")]
        for (size, suffix) in units where value >= size {
            let scaled = value / size
            let text = scaled >= 100 || scaled == scaled.rounded() ? String(Int(scaled.rounded())) : String((scaled * 10).rounded() / 10)
            return text + suffix
        }
        return String(Int(value))
    }
}
