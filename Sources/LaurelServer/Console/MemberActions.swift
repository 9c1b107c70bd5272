import Crypto
import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// What staff do to a member: adjust points (support and up), block or unblock, set a tier floor
/// (manager and up). Each asks for a reason, then shows a confirmation that repeats what will
/// happen ("Add 500 points to Ana Díaz: 'coffee machine broken'"), then acts and redirects to the
/// member's page. The action is audited with the staff user as actor; the confirmation carries a
/// one-time key, so a confirmation posted twice acts once.
struct MemberActions {
    let store: any LaurelStore
    let clock: any WallClock

    static let maxPoints = 100_000_000

    func register(_ console: ConsoleRouter) {
        console.add(.get, "/admin/members/{id}/adjust", role: .support) { request in
            let member = try await member(request)
            return try await form("console-adjust", request, member: member, title: request.locale["console_adjust_title"], page: [:])
        }
        console.add(.post, "/admin/members/{id}/adjust", role: .support) { request in
            let member = try await member(request)
            let locale = request.locale
            var errors = FormErrors()
            let points = Int(request.form.text("points") ?? "")
            if points == nil || points == 0 || points!.magnitude > Self.maxPoints {
                errors.add("points", locale.text("console_adjust_points_invalid", ["max": locale.number(Self.maxPoints)]))
            }
            let reason = Self.reason(request.form, into: &errors, locale: locale)
            guard errors.isEmpty, let points, let reason else {
                return try await form("console-adjust", request, member: member, title: locale["console_adjust_title"],
                                      page: errors.context.merging(["points": request.form["points"] ?? "", "reason": request.form["reason"] ?? ""]) { a, _ in a },
                                      status: .unprocessableContent)
            }
            let name = member.name ?? member.externalId
            let sentence = locale.text(points > 0 ? "console_adjust_confirm_add" : "console_adjust_confirm_take",
                                       ["points": locale.number(Int(points.magnitude)), "member": name, "reason": reason], count: Int(points.magnitude))
            let fields = ["points": String(points), "reason": reason]
            guard let key = Self.confirmedKey(request.form) else {
                return try await confirm(request, member: member, action: "adjust", sentence: sentence, fields: fields)
            }
            let now = clock.now()
            do {
                _ = try await store.adjust(programId: request.programId, memberId: member.id, id: Identifiers.make("adj", now: now), points: points,
                                           reason: reason, actor: Self.actor(request.staff), now: now,
                                           idempotency: Self.idempotency(key: key, fields: fields))
            } catch LedgerError.insufficientPoints(let available, _) {
                errors.add("points", locale.text("console_adjust_insufficient", ["available": locale.number(max(available, 0))], count: max(available, 0)))
                return try await form("console-adjust", request, member: member, title: locale["console_adjust_title"],
                                      page: errors.context.merging(["points": String(points), "reason": reason]) { a, _ in a }, status: .unprocessableContent)
            }
            return WebResponse.redirect(to: "/admin/members/\(member.id)?flash=console_flash_adjusted")
        }

        console.add(.get, "/admin/members/{id}/block", role: .manager) { request in
            let member = try await member(request)
            return try await form("console-block", request, member: member, title: Self.blockTitle(member, request.locale), page: [:])
        }
        console.add(.post, "/admin/members/{id}/block", role: .manager) { request in
            let member = try await member(request)
            let locale = request.locale
            var errors = FormErrors()
            let title = Self.blockTitle(member, locale)
            guard let reason = Self.reason(request.form, into: &errors, locale: locale) else {
                return try await form("console-block", request, member: member, title: title,
                                      page: errors.context.merging(["reason": request.form["reason"] ?? ""]) { a, _ in a }, status: .unprocessableContent)
            }
            // The status confirmed, not the one read now: a second confirmation of a block does not unblock.
            let status: MemberStatus = (request.form["status"].flatMap(MemberStatus.init(rawValue:)))
                ?? (member.status == .active ? .blocked : .active)
            let sentence = locale.text(status == .blocked ? "console_block_confirm" : "console_unblock_confirm",
                                       ["member": member.name ?? member.externalId, "reason": reason])
            let fields = ["reason": reason, "status": status.rawValue]
            guard let key = Self.confirmedKey(request.form) else {
                return try await confirm(request, member: member, action: "block", sentence: sentence, fields: fields)
            }
            _ = try await store.updateMember(programId: request.programId, id: member.id, patch: MemberPatch(status: status, statusReason: reason),
                                             now: clock.now(), idempotency: Self.idempotency(key: key, fields: fields))
            return WebResponse.redirect(to: "/admin/members/\(member.id)?flash=\(status == .blocked ? "console_flash_blocked" : "console_flash_unblocked")")
        }

        console.add(.get, "/admin/members/{id}/tier-floor", role: .manager) { request in
            let member = try await member(request)
            return try await tierForm(request, member: member, errors: FormErrors(), status: .ok)
        }
        console.add(.post, "/admin/members/{id}/tier-floor", role: .manager) { request in
            let member = try await member(request)
            let locale = request.locale
            let program = try await store.programVersion(programId: request.programId, version: nil)?.definition
            var errors = FormErrors()
            let tierId = request.form.text("tier")
            let tier = tierId.flatMap { program?.tiers?.level($0) }
            if tierId != nil && tierId != "none" && tier == nil { errors.add("tier", locale["console_tier_floor_unknown"]) }
            if tierId == nil { errors.add("tier", locale["console_tier_floor_choose"]) }
            var until: Date?
            let zone = program?.calendar.timeZone ?? .gmt
            if let text = request.form.text("until") {
                until = Self.endOfDay(text, zone: zone)
                if until == nil || until! <= clock.now() { errors.add("until", locale["console_tier_floor_until_invalid"]) }
            }
            let reason = Self.reason(request.form, into: &errors, locale: locale)
            guard errors.isEmpty, let reason else { return try await tierForm(request, member: member, errors: errors, status: .unprocessableContent) }
            let name = member.name ?? member.externalId
            let sentence: String
            if let tier {
                sentence = until.map { locale.text("console_tier_floor_confirm_until", ["member": name, "tier": tier.name, "reason": reason,
                                                                                         "date": locale.date($0, timeZone: zone)]) }
                    ?? locale.text("console_tier_floor_confirm", ["member": name, "tier": tier.name, "reason": reason])
            } else {
                sentence = locale.text("console_tier_floor_confirm_remove", ["member": name, "reason": reason])
            }
            let fields = ["tier": tier?.id ?? "none", "until": request.form.text("until") ?? "", "reason": reason]
            guard let key = Self.confirmedKey(request.form) else {
                return try await confirm(request, member: member, action: "tier-floor", sentence: sentence, fields: fields)
            }
            let now = clock.now()
            _ = try await store.setTierFloor(programId: request.programId, memberId: member.id, tierId: tier?.id, until: tier == nil ? nil : until,
                                             note: reason, actor: Self.actor(request.staff), now: now, expiringWithin: MemberRoutes.expiringWithin,
                                             idempotency: Self.idempotency(key: key, fields: fields))
            return WebResponse.redirect(to: "/admin/members/\(member.id)?flash=console_flash_tier_floor")
        }
    }

    private func member(_ request: ConsoleRequest) async throws -> MemberRecord {
        let id = request.parameter("id")
        guard let member = try await store.member(programId: request.programId, id: id) else { throw ConsoleNotFound(what: "member \(id)") }
        return member
    }

    private func form(_ template: String, _ request: ConsoleRequest, member: MemberRecord, title: String, page: [String: Any],
                      status: HTTPResponse.Status = .ok) async throws -> Response {
        var fields = page
        fields["member_id"] = member.id
        fields["member_name"] = member.name ?? member.externalId
        fields["blocked"] = member.status == .blocked
        fields["available"] = request.locale.number(member.available)
        return try await ConsolePages.render(template, request, title: title, section: .members, page: fields, status: status)
    }

    private func tierForm(_ request: ConsoleRequest, member: MemberRecord, errors: FormErrors, status: HTTPResponse.Status) async throws -> Response {
        let program = try await store.programVersion(programId: request.programId, version: nil)?.definition
        let chosen = request.form["tier"] ?? member.tier.floorTierId ?? ""
        var options: [[String: Any]] = [["id": "none", "name": request.locale["console_tier_floor_none"], "selected": chosen == "none"]]
        options += (program?.tiers?.levels ?? []).map { ["id": $0.id, "name": $0.name, "selected": $0.id == chosen] }
        var page = errors.context
        page["tiers"] = options
        page["until"] = request.form["until"] ?? ""
        page["reason"] = request.form["reason"] ?? ""
        return try await form("console-tier-floor", request, member: member, title: request.locale["console_tier_floor_title"], page: page, status: status)
    }

    /// The confirmation step: the sentence of what will happen, the fields again (hidden), and a
    /// fresh one-time key that makes the confirmed post idempotent.
    private func confirm(_ request: ConsoleRequest, member: MemberRecord, action: String, sentence: String,
                         fields: [String: String]) async throws -> Response {
        let hidden = fields.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] }
            + [["name": "confirmation", "value": Identifiers.secret("cfm")]]
        return try await ConsolePages.render("console-confirm", request, title: request.locale["console_confirm_title"], section: .members, page: [
            "sentence": sentence, "action": "/admin/members/\(member.id)/\(action)", "fields": hidden, "back": "/admin/members/\(member.id)",
        ])
    }

    /// The key of a confirmed post; nil for a first post, which gets the confirmation step.
    static func confirmedKey(_ form: WebForm) -> String? {
        guard let key = form.text("confirmation"), key.hasPrefix("cfm_"), key.count <= 100 else { return nil }
        return "console:" + key
    }

    /// The write's idempotency claim under the confirmation's key: the same confirmation posted
    /// again is answered from the store without acting.
    static func idempotency<Value: Sendable>(key: String, fields: [String: String]) -> Idempotency<Value> {
        var hasher = SHA256()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) { hasher.update(data: Data("\(name)=\(value)\n".utf8)) }
        return Idempotency(key: key, fingerprint: hasher.finalize().hexString) { _ in StoredResponse(status: 303, body: Data()) }
    }

    /// 1 to 500 characters, not only spaces (as the API's reasons).
    static func reason(_ form: WebForm, into errors: inout FormErrors, locale: WebLocale) -> String? {
        guard let reason = try? FreeText.read(form["reason"] ?? "", field: "reason") else {
            errors.add("reason", locale["console_reason_missing"])
            return nil
        }
        return reason
    }

    /// Who an adjustment or floor names in the ledger and tier history: the staff user's email and id.
    static func actor(_ staff: StaffRecord) -> String { "\(staff.email) via \(AuditActor.staff(staff.id))" }

    static func blockTitle(_ member: MemberRecord, _ locale: WebLocale) -> String {
        locale[member.status == .blocked ? "console_unblock_title" : "console_block_title"]
    }

    /// The end of day `YYYY-MM-DD` in the program's time zone (a floor "until 31 December" holds all that day).
    static func endOfDay(_ text: String, zone: TimeZone) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[0] > 0 ? parts[1] : 0), (1...31).contains(parts[2]), (2000...9999).contains(parts[0]) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let start = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
              calendar.component(.day, from: start) == parts[2] else { return nil }
        return calendar.date(byAdding: .day, value: 1, to: start)
    }
}
