package dev.llmchat.store;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the store keeps its data: parse the {@code DATABASE_URL} setting with {@link #parse}, which accepts
 * the original Python backend's SQLAlchemy forms ({@code sqlite:///./conversation.db},
 * {@code sqlite:////abs/path.db}, {@code postgresql://user:pass@host/db}, {@code mysql+pymysql://…},
 * {@code mariadb://…}) as well as plain JDBC URLs, and yields the JDBC URL, the kind of database and the
 * credentials. {@link #toString()} never shows the password.
 */
public record DatabaseUrl(Kind kind, String jdbcUrl, Optional<String> user, Optional<String> password) {

    /** The database families the store knows; MySQL covers MariaDB. */
    public enum Kind { SQLITE, POSTGRESQL, MYSQL }

    static final String ACCEPTED = "use sqlite:///relative/path.db, sqlite:////absolute/path.db,"
            + " postgresql://user:password@host:5432/database, mysql://user:password@host:3306/database"
            + " (also mysql+pymysql:// or mariadb://), or a jdbc:sqlite:, jdbc:postgresql:, jdbc:mysql: or jdbc:mariadb: URL";

    // SQLAlchemy's dialect[+driver]://[user[:password]@][host[:port]][/database][?query]
    private static final Pattern SQLALCHEMY = Pattern.compile(
            "(?<dialect>[a-z0-9]+)(?:\\+[a-z0-9_]+)?://(?<authority>[^/?#]*)(?:/(?<database>[^?#]*))?(?:\\?(?<query>[^#]*))?", Pattern.CASE_INSENSITIVE);
    private static final Pattern QUERY_CREDENTIAL = Pattern.compile("(?:^|[?&;])(?<key>user|password)=(?<value>[^&;]*)");

    public DatabaseUrl {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith(kind == Kind.SQLITE ? "jdbc:sqlite:" : "jdbc:")) throw new IllegalArgumentException("not a JDBC URL for " + kind);
        user = user == null ? Optional.empty() : user;
        password = password == null ? Optional.empty() : password;
    }

    /**
     * Parses a SQLAlchemy-style or JDBC database URL.
     *
     * @throws IllegalArgumentException with one sentence naming the accepted forms when {@code url} is none of them
     */
    public static DatabaseUrl parse(String url) {
        if (url == null || url.isBlank()) throw new IllegalArgumentException("The database URL is empty: " + ACCEPTED);
        String text = url.strip();
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:sqlite:")) return sqlite(text.substring("jdbc:sqlite:".length()), text);
        if (lower.startsWith("jdbc:postgresql:")) return jdbc(Kind.POSTGRESQL, text);
        if (lower.startsWith("jdbc:mysql:") || lower.startsWith("jdbc:mariadb:")) return jdbc(Kind.MYSQL, text);
        if (lower.equals("sqlite://")) return sqlite("", text); // SQLAlchemy's in-memory form
        if (lower.startsWith("sqlite:") || lower.startsWith("sqlite+")) {
            int slashes = text.indexOf(":///");
            // sqlite:///relative.db and sqlite:////absolute.db: the path is everything after the third slash.
            if (slashes < 0 || text.indexOf(':') != slashes) throw unsupported(text);
            String path = text.substring(slashes + 4);
            int query = path.indexOf('?'); // SQLAlchemy/pysqlite options (check_same_thread…) mean nothing here
            return sqlite(query < 0 ? path : path.substring(0, query), text);
        }
        Matcher m = SQLALCHEMY.matcher(text);
        if (!m.matches()) throw unsupported(text);
        return switch (m.group("dialect").toLowerCase(Locale.ROOT)) {
            case "postgresql", "postgres" -> network(Kind.POSTGRESQL, "jdbc:postgresql://", m, text);
            case "mysql" -> network(Kind.MYSQL, "jdbc:mysql://", m, text);
            case "mariadb" -> network(Kind.MYSQL, "jdbc:mariadb://", m, text);
            default -> throw unsupported(text);
        };
    }

    /** The SQLite database file, for a SQLite URL. */
    Optional<Path> sqliteFile() {
        if (kind != Kind.SQLITE) return Optional.empty();
        String path = jdbcUrl.substring("jdbc:sqlite:".length());
        if (path.startsWith("file:")) {
            path = path.substring("file:".length());
            int query = path.indexOf('?');
            if (query >= 0) path = path.substring(0, query);
            if (path.startsWith("///")) path = path.substring(2);
        }
        return Optional.of(Path.of(path));
    }

    @Override
    public String toString() {
        return "DatabaseUrl[kind=" + kind + ", jdbcUrl=" + redact(jdbcUrl) + user.map(u -> ", user=" + u).orElse("") + "]";
    }

    private static DatabaseUrl sqlite(String path, String original) {
        String lower = path.toLowerCase(Locale.ROOT);
        if (path.isBlank() || lower.contains(":memory:") || lower.contains("mode=memory")) {
            // Every pooled connection would open its own, empty, in-memory database.
            throw new IllegalArgumentException("An in-memory SQLite database (" + redact(original)
                    + ") cannot be shared by the store's connection pool: use sqlite:///path/to/file.db");
        }
        return new DatabaseUrl(Kind.SQLITE, "jdbc:sqlite:" + path, Optional.empty(), Optional.empty());
    }

    private static DatabaseUrl jdbc(Kind kind, String url) {
        Optional<String> user = Optional.empty();
        Optional<String> password = Optional.empty();
        int query = url.indexOf('?');
        if (query >= 0) {
            Matcher m = QUERY_CREDENTIAL.matcher(url.substring(query));
            while (m.find()) {
                Optional<String> value = Optional.of(decode(m.group("value"), url));
                if (m.group("key").equals("user")) user = value;
                else password = value;
            }
        }
        return new DatabaseUrl(kind, url, user, password);
    }

    private static DatabaseUrl network(Kind kind, String prefix, Matcher m, String original) {
        String authority = m.group("authority");
        int at = authority.lastIndexOf('@');
        String hostPort = authority.substring(at + 1);
        Optional<String> user = Optional.empty();
        Optional<String> password = Optional.empty();
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            int colon = userInfo.indexOf(':');
            String name = decode(colon < 0 ? userInfo : userInfo.substring(0, colon), original);
            if (!name.isEmpty()) user = Optional.of(name);
            if (colon >= 0) password = Optional.of(decode(userInfo.substring(colon + 1), original));
        }
        if (hostPort.isEmpty()) hostPort = "localhost"; // SQLAlchemy: no host means the local server
        String database = m.group("database") == null ? "" : m.group("database");
        String query = m.group("query") == null || m.group("query").isEmpty() ? "" : "?" + m.group("query");
        return new DatabaseUrl(kind, prefix + hostPort + "/" + database + query, user, password);
    }

    /** Percent-decoding as in URLs (a '+' stays a '+'). */
    private static String decode(String part, String original) {
        try {
            return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw unsupported(original);
        }
    }

    private static IllegalArgumentException unsupported(String url) {
        return new IllegalArgumentException("Unsupported database URL '" + redact(url) + "': " + ACCEPTED);
    }

    /** Hides passwords in user:password@ and password= parts, so error messages and logs may show the URL. */
    private static String redact(String url) {
        return url.replaceAll("//([^/@:]*):[^/@]*@", "//$1:***@").replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
