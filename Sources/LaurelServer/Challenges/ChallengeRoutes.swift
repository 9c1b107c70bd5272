import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Challenges and badges of a member: their progress in each of the program's challenges,
/// joining an opt-in one, and the badges they hold. Members may call each for themselves.
struct ChallengeRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        let render: @Sendable (ChallengeJoinRecord) throws -> Data = { try APIJSON.encode(MemberChallengeView($0)) }

        api.add(.get, "/v1/members/{id}/challenges", scope: .read, member: .pathMember("id")) { request in
            let memberId = try request.parameter("id")
            guard let member = try await store.member(programId: request.programId, id: memberId) else { throw Problem.notFound("member \(memberId)") }
            guard let program = try await store.programVersion(programId: request.programId, version: nil)?.definition else {
                return APIJSON.response(.ok, try APIJSON.encode(ListView(data: [MemberChallengeView](), hasMore: false)))
            }
            let progress = try await store.challengeProgress(programId: request.programId, memberId: memberId)
            let segments = program.challenges.contains { !$0.segments.isEmpty }
                ? try await store.materialisedSegments(programId: request.programId, memberId: memberId) : []
            let profile = member.profile(segments: segments)
            let evaluator = ChallengeEvaluator(program: program)
            let now = clock.now()
            let data = program.challenges.map { challenge in
                MemberChallengeView(memberId: memberId, challenge: challenge,
                                    standing: evaluator.standing(of: challenge, progress: progress[challenge.id], member: profile, now: now))
            }
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: data, hasMore: false)))
        }

        api.add(.post, "/v1/members/{id}/challenges/{challenge_id}/join", scope: .integration, member: .pathMember("id")) { request in
            let memberId = try request.parameter("id")
            let challengeId = try request.parameter("challenge_id")
            do {
                let result = try await store.joinChallenge(programId: request.programId, memberId: memberId, challengeId: challengeId, now: clock.now(),
                                                           idempotency: try request.idempotency(status: .created, render: render))
                return try APIRouter.respond(result, status: .created, render: render)
            } catch let refusal as ChallengeJoinRefusal {
                throw Problem(refusal == .alreadyJoined ? .conflict : .unprocessableContent, refusal.code, refusal.description, field: "challenge_id")
            }
        }

        api.add(.get, "/v1/members/{id}/badges", scope: .read, member: .pathMember("id")) { request in
            let memberId = try request.parameter("id")
            let awards = try await store.memberBadges(programId: request.programId, memberId: memberId)
            let program = try await store.programVersion(programId: request.programId, version: nil)?.definition
            let data = awards.map { MemberBadgeView($0, badge: program?.badge($0.badgeId)) }
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: data, hasMore: false)))
        }
    }
}
