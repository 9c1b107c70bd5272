extension Int {
    /// `self + other`, held at `Int.max` or `Int.min` instead of trapping. For sums over many stored
    /// figures in reports (analytics, a member's points activity, campaign reports), which are read
    /// and never written back: each figure is within its bound, their sum need not be, and a trap
    /// would take the server down for every program.
    public func addingSaturated(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
