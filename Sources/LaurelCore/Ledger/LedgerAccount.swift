/// A points account. Program accounts are the other side of every member movement, so the
/// entries of a program always sum to zero across its accounts.
public enum LedgerAccount: Hashable, Sendable, CustomStringConvertible {
    /// Source of every earned or credited point (its balance goes negative by what was issued).
    case issued
    /// Points spent on rewards.
    case redeemed
    case expired
    /// Points taken back by returns.
    case reversed
    /// Manual adjustments by staff.
    case adjusted
    case available(member: String)
    case pending(member: String)

    /// Stable text form stored with each entry: `issued`, `member:mem_…:available`.
    public var description: String {
        switch self {
        case .issued: "issued"
        case .redeemed: "redeemed"
        case .expired: "expired"
        case .reversed: "reversed"
        case .adjusted: "adjusted"
        case .available(let member): "member:\(member):available"
        case .pending(let member): "member:\(member):pending"
        }
    }

    public init?(_ text: String) {
        switch text {
        case "issued": self = .issued
        case "redeemed": self = .redeemed
        case "expired": self = .expired
        case "reversed": self = .reversed
        case "adjusted": self = .adjusted
        default:
            let parts = text.split(separator: ":")
            guard parts.count == 3, parts[0] == "member" else { return nil }
            switch parts[2] {
            case "available": self = .available(member: String(parts[1]))
            case "pending": self = .pending(member: String(parts[1]))
            default: return nil
            }
        }
    }
}

