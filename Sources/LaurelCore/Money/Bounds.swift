/// The largest values Laurel accepts, chosen so that no sum it keeps can leave a 64-bit integer.
///
/// Swift traps on integer overflow, and a trap ends the process for every program on the server,
/// so values are bounded where they come in (request bodies, program files) and every running
/// total is checked against `maxTotal` before it grows: what would pass it is refused with a 422
/// and nothing is written. With these bounds a check itself never overflows
/// (`maxTotal + maxPointsPerEvent` < `Int64.max`). `docs/api.md` and `docs/program-format.md` list them.
public enum Bounds {
    /// Money in one event: a purchase's total, each line's `unit_price × quantity` and their sum,
    /// and the attribute value a `points_per_attribute` rule counts. Also the largest amount a
    /// program file may write. 10^12 currency units.
    public static let maxEventMoney = Amount(integer: 1_000_000_000_000)

    /// The most lines one purchase may list, and the largest quantity of one line.
    public static let maxLines = 1000
    public static let maxQuantity = 1_000_000

    /// The most points one event may earn (all its rules, the tier multiplier and bonus together),
    /// and the most one adjustment, transfer or redemption may move; also the largest integer a
    /// program file may write where no smaller bound applies. 10^15.
    public static let maxPointsPerEvent = 1_000_000_000_000_000

    /// The most any running total may reach: a member's balance, pending and lifetime points, and a
    /// tier window's points and money (in 1/10 000 units, so 10^14 currency units). 10^18.
    public static let maxTotal = 1_000_000_000_000_000_000

    /// Whether `total + delta` stays within ±`maxTotal`. `total` is a stored total (within the bound),
    /// `delta` one event's change (within `maxPointsPerEvent` or `maxEventMoney`), so the sum cannot overflow.
    public static func totalStaysInRange<Value: FixedWidthInteger & SignedInteger>(_ total: Value, adding delta: Value) -> Bool {
        let (sum, overflow) = total.addingReportingOverflow(delta)
        return !overflow && sum.magnitude <= maxTotal.magnitude
    }
}
