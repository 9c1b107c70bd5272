/// Points before rounding: an exact fraction, so "1 point per 3.00" or "×1.5" lose nothing
/// until the single rounding step (`rounded(_:)`) that every award goes through.
///
/// Arithmetic never traps: a result beyond 128 bits becomes `overflow`, which stays so through
/// later operations and rounds to `Int.max`, so the caller's bound check refuses it.
public struct ExactPoints: Hashable, Sendable, CustomStringConvertible {
    public private(set) var numerator: Int128
    /// 0 only for `overflow`.
    public private(set) var denominator: Int128

    public init(_ numerator: Int128, over denominator: Int128 = 1) {
        precondition(denominator != 0)
        if denominator == 1 || numerator == 0 {
            // Already in lowest terms: whole points, or zero (kept as 0/1).
            self.numerator = numerator
            self.denominator = numerator == 0 ? 1 : denominator
            return
        }
        if let small = Int64(exactly: numerator), let smallDenominator = Int64(exactly: denominator), small != .min, smallDenominator != .min {
            // Almost every value fits 64 bits, where division is several times cheaper.
            let divisor = Int64(ExactPoints.gcd(small.magnitude, smallDenominator.magnitude))
            let sign: Int64 = smallDenominator < 0 ? -1 : 1
            self.numerator = Int128(sign * small / divisor)
            self.denominator = Int128(sign * smallDenominator / divisor)
            return
        }
        guard numerator != .min, denominator != .min else {
            self = .overflow
            return
        }
        let sign: Int128 = denominator < 0 ? -1 : 1
        let divisor = ExactPoints.gcd(numerator.magnitude, denominator.magnitude)
        self.numerator = sign * numerator / Int128(divisor)
        self.denominator = sign * denominator / Int128(divisor)
    }

    private init(overflowMarker: Void) {
        numerator = 1
        denominator = 0
    }

    public init(points: Int) { self.init(Int128(points)) }
    public init(_ amount: Amount) { self.init(Int128(amount.units), over: Int128(Amount.scale)) }

    public static let zero = ExactPoints(0)
    /// A result too large for 128 bits.
    public static let overflow = ExactPoints(overflowMarker: ())
    public var isOverflow: Bool { denominator == 0 }

    public static func + (lhs: ExactPoints, rhs: ExactPoints) -> ExactPoints {
        if lhs.isOverflow || rhs.isOverflow { return .overflow }
        // Sums start from zero: adding it needs no reduction.
        if lhs.numerator == 0 { return rhs }
        if rhs.numerator == 0 { return lhs }
        if lhs.denominator == rhs.denominator {
            guard let sum = checked(lhs.numerator.addingReportingOverflow(rhs.numerator)) else { return .overflow }
            return ExactPoints(sum, over: lhs.denominator)
        }
        // Over the least common denominator, so shares of one rate (denominators dividing one another) stay small.
        let common = Int128(gcd(lhs.denominator.magnitude, rhs.denominator.magnitude))
        guard let left = checked(lhs.numerator.multipliedReportingOverflow(by: rhs.denominator / common)),
              let right = checked(rhs.numerator.multipliedReportingOverflow(by: lhs.denominator / common)),
              let sum = checked(left.addingReportingOverflow(right)),
              let denominator = checked((lhs.denominator / common).multipliedReportingOverflow(by: rhs.denominator)) else { return .overflow }
        return ExactPoints(sum, over: denominator)
    }
    public static func - (lhs: ExactPoints, rhs: ExactPoints) -> ExactPoints {
        if rhs.isOverflow { return .overflow }
        return lhs + ExactPoints(-rhs.numerator, over: rhs.denominator)
    }
    public static func * (lhs: ExactPoints, rhs: ExactPoints) -> ExactPoints {
        if lhs.isOverflow || rhs.isOverflow { return .overflow }
        // A rate of one point per 1.00 is common: multiplying by one needs no reduction.
        if rhs.numerator == 1 && rhs.denominator == 1 { return lhs }
        if lhs.numerator == 1 && lhs.denominator == 1 { return rhs }
        return product(lhs.numerator, lhs.denominator, rhs.numerator, rhs.denominator)
    }
    public static func / (lhs: ExactPoints, rhs: ExactPoints) -> ExactPoints {
        if lhs.isOverflow || rhs.isOverflow { return .overflow }
        precondition(rhs.numerator != 0)
        return product(lhs.numerator, lhs.denominator, rhs.denominator, rhs.numerator)
    }

    /// (a / b) × (c / d), cross-reduced first when the plain products do not fit.
    private static func product(_ a: Int128, _ b: Int128, _ c: Int128, _ d: Int128) -> ExactPoints {
        if let numerator = checked(a.multipliedReportingOverflow(by: c)), let denominator = checked(b.multipliedReportingOverflow(by: d)) {
            return ExactPoints(numerator, over: denominator)
        }
        let ad = Int128(gcd(a.magnitude, d.magnitude)), cb = Int128(gcd(c.magnitude, b.magnitude))
        guard let numerator = checked((a / ad).multipliedReportingOverflow(by: c / cb)),
              let denominator = checked((b / cb).multipliedReportingOverflow(by: d / ad)) else { return .overflow }
        return ExactPoints(numerator, over: denominator)
    }

    /// The value of a reporting operation, nil when it overflowed (`Int128.min` counts: it has no negation).
    private static func checked(_ result: (partialValue: Int128, overflow: Bool)) -> Int128? {
        result.overflow || result.partialValue == .min ? nil : result.partialValue
    }

    public var isZero: Bool { numerator == 0 }
    public var isPositive: Bool { numerator > 0 }

    /// The one place points are rounded, by the program's rounding mode. Values beyond `Int`
    /// (and `overflow`) answer `Int.max` or `Int.min`, which every bound check refuses.
    public func rounded(_ mode: RoundingMode) -> Int {
        if isOverflow { return .max }
        // Almost every value fits 64 bits, where division is several times cheaper.
        let (quotient, remainder) = if let small = Int64(exactly: numerator), let smallDenominator = Int64(exactly: denominator) {
            (Int128(small / smallDenominator), Int128(small % smallDenominator))   // truncates toward zero
        } else {
            (numerator / denominator, numerator % denominator)
        }
        guard let whole = Int(exactly: quotient), whole != .min, whole != .max else { return quotient > 0 ? .max : .min }
        if remainder == 0 { return whole }
        let positive = numerator > 0
        let twice = remainder.magnitude * 2
        let half = twice.magnitude == denominator.magnitude ? 0 : (twice > denominator.magnitude ? 1 : -1)
        let awayFromZero: Bool
        switch mode {
        case .down: awayFromZero = false
        case .up: awayFromZero = true
        case .halfUp: awayFromZero = half >= 0
        case .halfEven: awayFromZero = half > 0 || (half == 0 && quotient % 2 != 0)
        }
        return awayFromZero ? whole + (positive ? 1 : -1) : whole
    }

    public var description: String {
        if isOverflow { return "overflow" }
        return denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)"
    }

    /// Binary GCD: shifts and subtractions instead of a division per step. 1 for gcd(0, 0).
    private static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        if a == 0 || b == 0 { return max(a | b, 1) }
        var (x, y) = (a >> a.trailingZeroBitCount, b)
        repeat {
            y >>= y.trailingZeroBitCount
            if x > y { swap(&x, &y) }
            y -= x
        } while y != 0
        return x << (a | b).trailingZeroBitCount
    }

    private static func gcd(_ a: UInt128, _ b: UInt128) -> UInt128 {
        if a <= UInt64.max && b <= UInt64.max { return UInt128(gcd(UInt64(a), UInt64(b))) }
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a == 0 ? 1 : a
    }
}

/// How fractional points become whole points. `down` truncates toward zero ("1 point per
/// full euro"); `half_even` is banker's rounding.
public enum RoundingMode: String, Sendable, Codable, CaseIterable {
    case down
    case up
    case halfUp = "half_up"
    case halfEven = "half_even"
}
