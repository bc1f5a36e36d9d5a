package dev.llmchat.server;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Secrets the server generates itself when the operator configured none: 32 random bytes in a file of
 * {@code DATA_DIR} readable by the owner only, created once and shared by servers on the same directory.
 * Never a built-in default.
 */
final class KeyFiles {
    private KeyFiles() {
    }

    /** The configured value ({@code configured} decoded by {@code decode}) or the generated key file's. */
    static byte[] configuredOrGenerated(String configured, String variable, Path dataDir, String fileName) {
        if (!configured.isEmpty()) return decode(configured, variable);
        Path file = dataDir.resolve(fileName);
        try {
            Files.createDirectories(dataDir);
            if (!Files.exists(file)) {
                byte[] fresh = new byte[32];
                new SecureRandom().nextBytes(fresh);
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.writeString(file, HexFormat.of().formatHex(fresh));
                } catch (FileAlreadyExistsException raced) {
                    // another server on the same data directory created it first: use theirs
                } catch (UnsupportedOperationException notPosix) {
                    Files.writeString(file, HexFormat.of().formatHex(fresh));
                }
            }
            String hex = Files.readString(file).strip();
            byte[] key = HexFormat.of().parseHex(hex);
            if (key.length != 32) throw new IllegalArgumentException();
            return key;
        } catch (IOException e) {
            throw new ConfigException("DATA_DIR: cannot create or read " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + " is damaged; restore it from a backup (or delete it to generate a new one: " + consequence(fileName) + ")");
        }
    }

    /** A 32-byte key given as base64 (or 64 hex digits). */
    static byte[] decode(String value, String variable) {
        try {
            byte[] key = value.matches("[0-9a-fA-F]{64}") ? HexFormat.of().parseHex(value) : Base64.getDecoder().decode(value);
            if (key.length == 32) return key;
        } catch (IllegalArgumentException e) {
            // fall through to the one explanation
        }
        throw new ConfigException(variable + " must be 32 bytes as base64 or 64 hex digits (e.g. from 'openssl rand -base64 32')");
    }

    private static String consequence(String fileName) {
        return fileName.startsWith("token") ? "every user must log in again" : "stored custom API keys can no longer be read";
    }
}
