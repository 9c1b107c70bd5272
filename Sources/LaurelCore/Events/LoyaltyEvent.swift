import Foundation

/// Something a member did, as reported by the brand: a purchase, a return, or any named action.
public struct LoyaltyEvent: Hashable, Sendable {
    public static let purchaseType = "purchase"
    public static let returnType = "return"

    public var id: String
    /// `purchase`, `return`, or any name (`review`, `steps`, `recycling_return`…).
    public var type: String
    public var occurredAt: Date
    public var store: String?
    public var channel: String?
    public var attributes: [String: JSONValue]
    public var purchase: Purchase?
    public var returnOf: ReturnDetails?
    /// Points the event earned in the system it is imported from (`laurel import events --as-recorded`):
    /// booked as they are, in place of the program's rules, tier multiplier and tier bonus.
    public var recordedPoints: Int? = nil

    public init(id: String, type: String, occurredAt: Date, store: String? = nil, channel: String? = nil,
                attributes: [String: JSONValue] = [:], purchase: Purchase? = nil, returnOf: ReturnDetails? = nil) {
        self.id = id
        self.type = type
        self.occurredAt = occurredAt
        self.store = store
        self.channel = channel
        self.attributes = attributes
        self.purchase = purchase
        self.returnOf = returnOf
    }
}

/// The money side of a purchase event.
public struct Purchase: Hashable, Sendable {
    public var currency: String
    /// What the customer paid; defaults to the sum of the lines.
    public var total: Amount
    public var lines: [PurchaseLine]
    public init(currency: String, total: Amount? = nil, lines: [PurchaseLine]) {
        self.currency = currency
        self.lines = lines
        self.total = total ?? lines.reduce(.zero) { $0 + $1.amount }
    }
}

public struct PurchaseLine: Hashable, Sendable {
    public var sku: String
    public var category: String?
    public var labels: [String]
    public var quantity: Int
    public var unitPrice: Amount
    /// Shipping and delivery charges, which spending rules can leave out.
    public var delivery: Bool

    public init(sku: String, category: String? = nil, labels: [String] = [], quantity: Int = 1, unitPrice: Amount, delivery: Bool = false) {
        self.sku = sku
        self.category = category
        self.labels = labels
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.delivery = delivery
    }

    public var amount: Amount { unitPrice * quantity }
}

/// A return names the purchase it reverses and the money refunded.
public struct ReturnDetails: Hashable, Sendable {
    public var purchaseEventId: String
    public var amount: Amount
    public init(purchaseEventId: String, amount: Amount) {
        self.purchaseEventId = purchaseEventId
        self.amount = amount
    }
}
