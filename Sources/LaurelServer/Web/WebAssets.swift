import Crypto
import Foundation
import LaurelCore
import HTTPTypes
import Hummingbird

/// The console's and portal's static files (`Resources/web/assets`: CSS, a little JavaScript, SVG),
/// served from the binary at `/assets/<name>`. Pages link them as `/assets/<name>?v=<hash>`
/// (`url(_:)`): such a URL changes whenever the file does, so it may be cached for a year.
enum WebAssets {
    static let folder = "web/assets/"

    struct Asset: Sendable {
        let body: String
        let contentType: String
        /// The first 12 hex digits of the file's SHA-256.
        let version: String
    }

    static let all: [String: Asset] = {
        var assets: [String: Asset] = [:]
        for (path, text) in EmbeddedResources.files where path.hasPrefix(folder) {
            let name = String(path.dropFirst(folder.count))
            let version = String(SHA256.hash(data: Data(text.utf8)).hexString.prefix(12))
            assets[name] = Asset(body: text, contentType: contentType(of: name), version: version)
        }
        return assets
    }()

    /// The versioned URL of asset `name`, as pages link it.
    static func url(_ name: String) -> String {
        guard let asset = all[name] else { return "/assets/\(name)" }
        return "/assets/\(name)?v=\(asset.version)"
    }

    static func register(_ router: Router<AppContext>) {
        router.get("/assets/{name}") { request, context -> Response in
            guard let name = context.parameters.get("name"), let asset = all[name] else {
                return WebResponse.refusal(.notFound, "no such asset")
            }
            var headers = HTTPFields()
            headers[.contentType] = asset.contentType
            headers[.eTag] = "\"\(asset.version)\""
            headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
            let versioned = FormQuery.value(of: "v", in: request.uri.query) == asset.version
            headers[.cacheControl] = versioned ? "public, max-age=31536000, immutable" : "public, max-age=300"
            if request.headers[.ifNoneMatch] == "\"\(asset.version)\"" { return Response(status: .notModified, headers: headers) }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: asset.body)))
        }
    }

    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last {
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        default: "text/plain; charset=utf-8"
        }
    }
}
