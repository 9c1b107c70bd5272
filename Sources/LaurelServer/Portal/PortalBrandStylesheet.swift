import Foundation
import HTTPTypes
import Hummingbird
import LaurelCore

extension PortalRoutes {
    /// `/p/{program}/brand.css`: the program's `branding` as the CSS variables the shared stylesheet
    /// reads. A stylesheet of its own, since the pages' content policy allows no inline styles; each
    /// value was validated when the program was applied (hex colours, a font stack of safe characters).
    func brandStylesheet(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let program = try await program(context) else { return WebResponse.refusal(.notFound, "no such program") }
        var headers = HTTPFields()
        headers[.contentType] = "text/css; charset=utf-8"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        // Pages link it with the program version, so a new version is fetched at once; a few minutes otherwise.
        headers[.cacheControl] = "public, max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: Self.css(program.definition.branding))))
    }

    static func css(_ branding: Branding) -> String {
        var variables: [String] = []
        if let primary = branding.primaryColor {
            variables.append("--brand-primary: \(primary);")
            variables.append("--brand-on-primary: \(Branding.textColor(on: primary));")
        }
        if let accent = branding.accentColor { variables.append("--brand-accent: \(accent);") }
        if let background = branding.backgroundColor { variables.append("--canvas: \(background);") }
        if let text = branding.textColor { variables.append("--ink: \(text);") }
        if let font = branding.fontStack { variables.append("--brand-font: \(font);") }
        return ":root {\n" + variables.map { "  \($0)\n" }.joined() + "}\n"
    }
}
