import Foundation
import LaurelCore

extension OutboxMessages {
    /// `member.sign_in_code`: the code itself and who to send it to; the brand's channel (a webhook
    /// subscriber) delivers it. The member's `attributes.locale`, when set, says which language to write in.
    static func signInCode(_ code: SignInCodeRecord, plainCode: String, member: MemberRecord) -> PendingMessage {
        message(MessageType.memberSignInCode, now: code.createdAt) { json in
            json.field("code", plainCode)
            json.fieldOrNull("email", member.email)
            json.field("expires_at", Timestamps.format(code.expiresAt))
            json.field("external_id", member.externalId)
            json.fieldOrNull("locale", member.attributes["locale"]?.stringValue)
            json.field("member_id", member.id)
            json.fieldOrNull("name", member.name)
        }
    }
}
