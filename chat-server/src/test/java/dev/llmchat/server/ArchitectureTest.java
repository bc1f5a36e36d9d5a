package dev.llmchat.server;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.llmchat");

    @Test
    void the_core_depends_on_the_jdk_and_its_tokenizer_only() {
        noClasses().that().resideInAPackage("dev.llmchat.core..")
                .should().dependOnClassesThat().resideOutsideOfPackages("dev.llmchat.core..", "java..", "javax.crypto..", "com.knuddels.jtokkit..")
                .check(CLASSES);
    }

    @Test
    void store_and_llm_do_not_know_each_other_or_the_server() {
        noClasses().that().resideInAPackage("dev.llmchat.store..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.llmchat.llm..", "dev.llmchat.server..", "io.javalin..", "okhttp3..")
                .check(CLASSES);
        noClasses().that().resideInAPackage("dev.llmchat.llm..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.llmchat.store..", "dev.llmchat.server..", "io.javalin..", "org.jdbi..")
                .check(CLASSES);
    }

    @Test
    void only_the_server_uses_javalin_and_logback() {
        noClasses().that().resideOutsideOfPackage("dev.llmchat.server..")
                .should().dependOnClassesThat().resideInAnyPackage("io.javalin..", "ch.qos.logback..", "org.slf4j..")
                .check(CLASSES);
    }
}
