package dev.llmchat.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** Creates and drops the store benchmark's PostgreSQL database: {@code PgAdmin drop|create user@host:port name}. */
public final class PgAdmin {
    private PgAdmin() {
    }

    static void create(String server, String name) throws SQLException {
        try (Connection c = admin(server); Statement st = c.createStatement()) {
            var rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + checked(name) + "'");
            if (!rs.next()) st.execute("CREATE DATABASE " + checked(name));
        }
    }

    static void drop(String server, String name) throws SQLException {
        try (Connection c = admin(server); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + checked(name) + " WITH (FORCE)");
        }
    }

    private static Connection admin(String server) throws SQLException {
        int at = server.indexOf('@');
        return DriverManager.getConnection("jdbc:postgresql://" + server.substring(at + 1) + "/postgres", server.substring(0, at), null);
    }

    private static String checked(String name) {
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) throw new IllegalArgumentException("not a plain database name: " + name);
        return name;
    }

    public static void main(String[] args) throws SQLException {
        if (args.length != 3) throw new IllegalArgumentException("usage: PgAdmin create|drop user@host:port name");
        if (args[0].equals("drop")) drop(args[1], args[2]);
        else create(args[1], args[2]);
    }
}
