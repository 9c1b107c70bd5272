import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import LaurelCore
import LaurelStore
import NIOCore

/// One authenticated API request, with its body already read.
struct APIRequest: Sendable {
    let request: Request
    let context: AppContext
    let caller: Caller
    let body: Data
    /// Query parameters set by the route's member access (a member token's own `member_id`).
    var queryOverrides: [String: String] = [:]

    var programId: String { caller.programId }

    func parameter(_ name: String) throws -> String {
        guard let value = context.parameters.get(name) else { throw Problem(.badRequest, "invalid_request", "missing path parameter \(name)") }
        return value
    }

    /// A query parameter, read as a form would send it (`+` is a space; see `FormQuery`).
    func query(_ name: String) -> String? { queryOverrides[name] ?? FormQuery.value(of: name, in: request.uri.query) }

    /// A query parameter holding an RFC 3339 timestamp; nil when absent.
    func timestamp(_ name: String) throws -> Date? {
        guard let value = query(name) else { return nil }
        guard let date = Timestamps.parse(value) else {
            throw Problem(.badRequest, "invalid_request", "\(name) must be an RFC 3339 timestamp such as 2026-03-01T00:00:00Z", field: name)
        }
        return date
    }

    /// `limit` (1…500, default 50) of a list request.
    func limit() throws -> Int {
        guard let text = query("limit") else { return 50 }
        guard let limit = Int(text), (1...500).contains(limit) else {
            throw Problem(.badRequest, "invalid_request", "limit must be an integer from 1 to 500", field: "limit")
        }
        return limit
    }

    /// A `starting_after` cursor of the form `<prefix><sequence>` (`le_42`, `tc_7`; the sequence is 1 to 18
    /// ASCII digits, as the OpenAPI document's pattern says); nil when absent.
    func sequenceCursor(prefix: String, naming: String) throws -> Int64? {
        guard let text = query("starting_after") else { return nil }
        guard text.hasPrefix(prefix), let sequence = Self.sequence(text.dropFirst(prefix.count)) else {
            throw Problem(.badRequest, "invalid_request", "starting_after must be \(naming) such as \(prefix)42", field: "starting_after")
        }
        return sequence
    }

    /// 1 to 18 ASCII digits as a number (always within Int64); nil for anything else, signs included.
    static func sequence(_ text: Substring) -> Int64? {
        guard (1...18).contains(text.utf8.count), text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int64(text)
    }

    /// The `Idempotency-Key` claim of a write, rendering its response with `status`.
    func idempotency<Value: Sendable>(status: HTTPResponse.Status, render: @escaping @Sendable (Value) throws -> Data) throws -> Idempotency<Value>? {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else { return nil }
        guard !key.isEmpty, key.count <= 255 else {
            throw Problem(.badRequest, "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 characters", field: "Idempotency-Key")
        }
        var hasher = SHA256()
        // The query is part of the request (`POST /v1/imports?kind=…` says what its body is); without one the text is as before.
        let query = request.uri.query.map { "?\($0)" } ?? ""
        hasher.update(data: Data("\(request.method.rawValue) \(request.uri.path)\(query)\n".utf8))
        hasher.update(data: body)
        let fingerprint = hasher.finalize().hexString
        let code = status.code
        return Idempotency(key: key, fingerprint: fingerprint) { value in StoredResponse(status: code, body: try render(value)) }
    }
}

/// Registers Laurel's API routes: authentication, scope and member access, body limits,
/// idempotent replays, and the mapping of every error to a problem document. It also keeps the
/// list of routes, which the tests compare with the OpenAPI document and walk with every identity.
final class APIRouter {
    static let maxBodySize = 1 << 20

    let router: Router<AppContext>
    let authenticator: CallerAuthenticator
    let cors: CORSPolicy
    let limits: RequestLimits
    /// Every route added, shared with `UnmatchedRouteMiddleware` and `CORSPreflightMiddleware`.
    let table = RouteTable()
    var routes: [APIRoute] { table.all }

    init(router: Router<AppContext>, authenticator: CallerAuthenticator, cors: CORSPolicy, limits: RequestLimits) {
        self.router = router
        self.authenticator = authenticator
        self.cors = cors
        self.limits = limits
    }

    /// Adds an authenticated route: an API key must have at least `scope`; a member token may call
    /// it only as `member` allows (`.refused`: 403; another member's object: 404).
    /// `bodyLimit`: the largest body the route reads (1 MiB unless it says otherwise).
    func add(_ method: HTTPRequest.Method, _ path: String, scope: APIScope, member: MemberAccess, bodyLimit: Int = maxBodySize,
             _ handler: @escaping @Sendable (APIRequest) async throws -> Response) {
        table.add(APIRoute(method: method.rawValue, path: path, scope: scope, member: member.kind))
        let authenticator = self.authenticator
        let cors = self.cors
        let limits = self.limits
        router.on(RouterPath(path), method: method) { request, context -> Response in
            var caller: Caller?
            var quota: RateDecision?
            var response: Response
            do {
                let authenticated: Caller
                do {
                    authenticated = try await authenticator.authenticate(request)
                } catch let problem as Problem where problem.status == .unauthorized {
                    throw limits.failedAuthentication(problem, from: context.remoteAddress)
                }
                caller = authenticated
                switch authenticated {
                case .key(let key): quota = try limits.admit(key: key, from: context.remoteAddress)
                // One bucket per member, however many tokens they hold.
                case .member(let holder): quota = try limits.admit(memberIdentity: "\(holder.programId)/\(holder.memberId)", from: context.remoteAddress)
                }
                try Self.authorize(authenticated, scope: scope, member: member)
                var request = request
                // A NUL in a decoded value reaches the database as text PostgreSQL refuses (500) and SQLite cuts short.
                if request.uri.query?.contains("%00") == true {
                    throw Problem(.badRequest, "invalid_request", "query parameters must not contain the NUL character (%00)")
                }
                var body = Data()
                if method == .post || method == .put || method == .patch {
                    do {
                        body = Data(buffer: try await request.collectBody(upTo: bodyLimit))
                    } catch {
                        throw Problem(.contentTooLarge, "payload_too_large", "the request body is larger than \(bodyLimit >> 20) MiB")
                    }
                    if NULCharacter.isIn(body) { throw NULCharacter.problem }
                }
                var apiRequest = APIRequest(request: request, context: context, caller: authenticated, body: body)
                if case .member(let holder) = authenticated {
                    try await Self.admit(holder, to: &apiRequest, member: member)
                }
                let admitted = apiRequest
                response = try await AuditActor.$current.withValue(authenticated.auditActor) { try await handler(admitted) }
            } catch let limited as RateLimitExceeded {
                response = limited.response
            } catch {
                response = Self.problem(for: error, logger: context.logger).response
            }
            quota?.addHeaders(to: &response.headers)
            // Browsers: the caller's program decides which origins may read this answer (none known yet: any program's).
            await cors.decorate(&response, origin: request.headers[.origin], programId: caller?.programId)
            return response
        }
    }

    /// A key below the route's scope, or a member token on a route members may not use: 403.
    static func authorize(_ caller: Caller, scope: APIScope, member: MemberAccess) throws {
        switch caller {
        case .key(let key):
            guard key.scope >= scope else {
                throw Problem(.forbidden, "forbidden", "this route needs a key with scope \(scope.rawValue); this key has \(key.scope.rawValue)")
            }
        case .member:
            if case .refused = member {
                throw Problem(.forbidden, "forbidden", "this route does not accept member tokens; it needs an API key with scope \(scope.rawValue)")
            }
        }
    }

    /// Lets a member token reach only its own member's objects: anything else answers 404, as an
    /// object that does not exist would, so that a member learns nothing about other members.
    static func admit(_ holder: MemberTokenHolder, to request: inout APIRequest, member: MemberAccess) async throws {
        let own = holder.memberId
        switch member {
        case .refused, .anyMember:
            return
        case .pathMember(let name):
            let id = try request.parameter(name)
            guard id == own else { throw Problem.notFound("member \(id)") }
        case .bodyMember(let field):
            // The same decoder the handler uses, so both read the same value (duplicate keys included).
            guard let body = try? JSONDecoder().decode([String: JSONValue].self, from: request.body), case .string(let id)? = body[field] else {
                return // no such field: the handler refuses the body
            }
            guard id == own else { throw Problem.notFound("member \(id)") }
        case .queryMember(let name):
            if let id = request.query(name), id != own { throw Problem.notFound("member \(id)") }
            request.queryOverrides[name] = own
        case .owner(let what, let load):
            // Worded as the handler words an unknown one.
            guard try await load(request) == own else { throw Problem.notFound("\(what) \(try request.parameter("id"))") }
        }
    }

    /// Adds a public route (health, OpenAPI document), limited per source address.
    func addPublic(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request) async throws -> Response) {
        table.add(APIRoute(method: method.rawValue, path: path, scope: nil, member: .anyMember))
        let limits = self.limits
        router.on(RouterPath(path), method: method) { request, context -> Response in
            let quota: RateDecision?
            do {
                quota = try limits.admitPublic(from: context.remoteAddress)
            } catch let limited as RateLimitExceeded {
                return limited.response
            }
            var response = try await handler(request)
            quota?.addHeaders(to: &response.headers)
            return response
        }
    }

    /// The answer to a write: the stored response when replayed, a fresh one otherwise.
    static func respond<Value>(_ result: Idempotent<Value>, status: HTTPResponse.Status,
                               render: (Value) throws -> Data) throws -> Response {
        switch result {
        case .replayed(let stored):
            return APIJSON.response(HTTPResponse.Status(code: stored.status), stored.body,
                                    headers: [HTTPField.Name("Idempotent-Replayed")!: "true"])
        case .fresh(_, let stored?):
            return APIJSON.response(HTTPResponse.Status(code: stored.status), stored.body)
        case .fresh(let value, nil):
            return APIJSON.response(status, try render(value))
        }
    }

    static func problem(for error: any Error, logger: Logger) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as StoreError:
            switch error {
            case .notFound(let what): return Problem.notFound(what)
            case .duplicateExternalId: return Problem(.conflict, "duplicate_external_id", error.description, field: "external_id")
            case .programExists: return Problem(.conflict, "program_exists", error.description)
            case .rewardExists: return Problem(.conflict, "reward_exists", error.description, field: "id")
            case .catalogueFull: return Problem(.unprocessableContent, "catalogue_full", error.description)
            case .programNotConfigured: return Problem(.conflict, "program_not_configured", error.description)
            case .idempotencyKeyReused: return Problem(.unprocessableContent, "idempotency_key_reused", error.description, field: "Idempotency-Key")
            case .sameMember: return Problem(.unprocessableContent, "same_member", error.description, field: "to_member_id")
            case .unknownReferralCode: return Problem(.unprocessableContent, "unknown_referral_code", error.description, field: "referral_code")
            case .memberBlocked: return Problem(.unprocessableContent, "member_blocked", error.description)
            case .memberErased: return Problem(.unprocessableContent, "member_erased", error.description)
            case .tooManyConsents: return Problem(.unprocessableContent, "too_many_consents", error.description, field: "consents")
            case .transactionsStillOpen: return Problem(.serviceUnavailable, "transactions_still_open", error.description)
            case .adjustmentNotCancellable(_, .debit): return Problem(.unprocessableContent, StoreError.AdjustmentRefusal.debit.rawValue, error.description)
            case .adjustmentNotCancellable(_, .alreadyCancelled):
                return Problem(.conflict, StoreError.AdjustmentRefusal.alreadyCancelled.rawValue, error.description)
            case .reviewDecided(_, let status):
                var problem = Problem(.conflict, "review_decided", error.description)
                problem.extra = ["review_status": .string(status)]
                return problem
            }
        case let refusal as FraudRefusal:
            // Names each cap and figure that tripped, as the `fraud.flagged` message does.
            var problem = Problem(.unprocessableContent, "velocity_cap_exceeded", refusal.description)
            problem.extra = ["caps": .list(refusal.trips.map { trip in
                ["cap_id": trip.capId ?? "", "measure": trip.value.measure, "value": trip.value.text, "limit": trip.limit?.text ?? "",
                 "window": trip.window ?? ""]
            })]
            return problem
        case let error as EventProcessingError:
            switch error {
            case .currencyMismatch: return Problem(.unprocessableContent, "currency_mismatch", error.description, field: "purchase.currency")
            case .missingPurchase: return Problem.invalid("purchase", error.description)
            case .missingReturn: return Problem.invalid("return", error.description)
            case .returnOfUnknownPurchase: return Problem(.unprocessableContent, "unknown_purchase", error.description, field: "return.purchase_event_id")
            case .refundExceedsPurchase: return Problem(.unprocessableContent, "refund_exceeds_purchase", error.description, field: "return.amount")
            case .pointsOutOfRange: return Problem(.unprocessableContent, "points_out_of_range", error.description)
            case .totalOutOfRange: return Problem(.unprocessableContent, "total_out_of_range", error.description)
            }
        case let error as LedgerError:
            switch error {
            case .insufficientPoints(let available, let requested):
                var problem = Problem(.unprocessableContent, "insufficient_points", error.description, field: "points")
                problem.extra = ["available_points": .int(available), "missing_points": .int(requested - available)]
                return problem
            case .invalidPoints: return Problem.invalid("points", error.description)
            case .totalOutOfRange: return Problem(.unprocessableContent, "total_out_of_range", error.description, field: "points")
            }
        case let error as LoyaltyError:
            return problem(for: error)
        case let refusal as RaffleRefusal:
            switch refusal {
            case .alreadyDrawn, .notDue: return Problem(.conflict, refusal.code, refusal.description)
            default: return Problem(.unprocessableContent, refusal.code, refusal.description)
            }
        case let refusal as GameRefusal:
            var problem = Problem(.unprocessableContent, refusal.code, refusal.description, field: "wheel_id")
            if case .playLimitReached(_, _, _, let next?) = refusal { problem.extra = ["next_play_at": .string(Timestamps.format(next))] }
            return problem
        case let error as ProgramValidationError:
            var problem = Problem(.unprocessableContent, "invalid_program",
                                  "the program definition has \(error.issues.count) problem(s): \(error.issues.map(\.description).joined(separator: "; "))")
            problem.extra = ["errors": .list(error.issues.map { ["path": $0.path, "message": $0.message] })]
            return problem
        default:
            logger.error("unexpected error: \(String(reflecting: error))")
            return Problem(.internalServerError, "internal_error", "an unexpected error occurred; nothing was changed")
        }
    }
}

extension APIRouter {
    static func problem(for error: LoyaltyError) -> Problem {
        switch error {
        case .refused(let refusal):
            switch refusal {
            case .insufficientPoints(let available, _):
                var problem = Problem(.unprocessableContent, refusal.code, refusal.description, field: "reward_id")
                problem.extra = ["available_points": .int(max(available, 0)), "missing_points": .int(refusal.missingPoints ?? 0)]
                return problem
            case .outOfStock:
                return Problem(.conflict, refusal.code, refusal.description, field: "reward_id")
            case .invalidPoints:
                return Problem.invalid("points", refusal.description)
            case .invalidQuantity:
                return Problem.invalid("quantity", refusal.description)
            case .memberBlocked:
                return Problem(.unprocessableContent, refusal.code, refusal.description, field: "member_id")
            case .notYetAvailable(let opensAt):
                var problem = Problem(.unprocessableContent, refusal.code, refusal.description, field: "reward_id")
                problem.extra = ["available_from": .string(Timestamps.format(opensAt))]
                return problem
            default:
                return Problem(.unprocessableContent, refusal.code, refusal.description, field: "reward_id")
            }
        case .alreadyCancelled: return Problem(.conflict, "already_cancelled", error.description)
        case .notCancellable: return Problem(.conflict, "not_cancellable", error.description)
        case .notFulfillable: return Problem(.conflict, "not_fulfillable", error.description)
        case .notActiveYet: return Problem(.conflict, "not_active_yet", error.description)
        case .noFulfilment: return Problem(.unprocessableContent, "no_fulfilment", error.description)
        case .clubFull: return Problem(.conflict, "club_full", error.description)
        case .alreadyInClub: return Problem(.conflict, "already_member", error.description, field: "member_id")
        case .clubJoinNotAllowed: return Problem(.unprocessableContent, "join_not_allowed", error.description)
        case .unknownTier: return Problem.invalid("tier", error.description)
        case .noTiers: return Problem(.conflict, "no_tiers", error.description)
        case .codePoolEmpty: return Problem(.conflict, "out_of_stock", error.description, field: "reward_id")
        case .codesNotPooled: return Problem(.unprocessableContent, "codes_not_pooled", error.description)
        }
    }
}

extension Problem {
    var response: Response { APIJSON.response(status, body, contentType: "application/problem+json") }
}
