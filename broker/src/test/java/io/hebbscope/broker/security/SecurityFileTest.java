package io.hebbscope.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hebbscope.schema.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The security file, the ACLs of each role (as docs/security.md lists them), and bad files. No broker. */
class SecurityFileTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    /** "TOPIC hebbscope.runs LITERAL WRITE" per binding, in order. */
    private static List<String> lines(List<AclBinding> acls) {
        return acls.stream().map(b -> b.pattern().resourceType() + " " + b.pattern().name() + " " + b.pattern().patternType()
            + " " + b.entry().operation() + (b.entry().principal().equals("User:u") && b.entry().host().equals("*")
            && b.entry().permissionType().name().equals("ALLOW") ? "" : " ?")).toList();
    }

    private static List<String> role(HebbscopeAcls.Role role) {
        return lines(HebbscopeAcls.of("u", role, HebbscopeAcls.Scope.defaults(Topics.withDefaultPrefix())));
    }

    @Test
    void eachRoleHasTheAclsOfDocsSecurity() {
        assertThat(role(HebbscopeAcls.Role.TRAINER)).containsExactly(
            "TOPIC hebbscope.runs LITERAL WRITE", "TOPIC hebbscope.layer-steps LITERAL WRITE",
            "TOPIC hebbscope.train-metrics LITERAL WRITE", "TOPIC hebbscope.layer-stats LITERAL WRITE",
            "TOPIC hebbscope.checkpoints LITERAL WRITE",
            "TOPIC hebbscope.layer-alignment LITERAL READ",
            "TOPIC hebbscope.runs LITERAL READ", "TOPIC hebbscope.checkpoints LITERAL READ",
            "TOPIC hebbscope.runs LITERAL CREATE", "TOPIC hebbscope.layer-steps LITERAL CREATE",
            "TOPIC hebbscope.train-metrics LITERAL CREATE", "TOPIC hebbscope.neuron-alignment LITERAL CREATE",
            "TOPIC hebbscope.layer-alignment LITERAL CREATE", "TOPIC hebbscope.phases LITERAL CREATE",
            "TOPIC hebbscope.dead-letters LITERAL CREATE", "TOPIC hebbscope.layer-stats LITERAL CREATE",
            "TOPIC hebbscope.checkpoints LITERAL CREATE");
        assertThat(role(HebbscopeAcls.Role.ANALYZER)).containsExactly(
            "TOPIC hebbscope.runs LITERAL READ", "TOPIC hebbscope.layer-steps LITERAL READ",
            "TOPIC hebbscope.train-metrics LITERAL READ", "TOPIC hebbscope.layer-stats LITERAL READ",
            "TOPIC hebbscope.neuron-alignment LITERAL WRITE", "TOPIC hebbscope.layer-alignment LITERAL WRITE",
            "TOPIC hebbscope.phases LITERAL WRITE", "TOPIC hebbscope.dead-letters LITERAL WRITE",
            "TOPIC hebbscope.runs LITERAL CREATE", "TOPIC hebbscope.layer-steps LITERAL CREATE",
            "TOPIC hebbscope.train-metrics LITERAL CREATE", "TOPIC hebbscope.layer-stats LITERAL CREATE",
            "TOPIC hebbscope.neuron-alignment LITERAL CREATE",
            "TOPIC hebbscope.layer-alignment LITERAL CREATE", "TOPIC hebbscope.phases LITERAL CREATE",
            "TOPIC hebbscope.dead-letters LITERAL CREATE",
            "TOPIC hebbscope.plugin. PREFIXED CREATE", "TOPIC hebbscope.plugin. PREFIXED WRITE",
            "GROUP hebbscope-analyzer LITERAL READ",
            "TOPIC hebbscope-analyzer- PREFIXED CREATE", "TOPIC hebbscope-analyzer- PREFIXED READ",
            "TOPIC hebbscope-analyzer- PREFIXED WRITE", "TOPIC hebbscope-analyzer- PREFIXED DELETE",
            "TRANSACTIONAL_ID hebbscope-analyzer- PREFIXED WRITE");
        assertThat(role(HebbscopeAcls.Role.REPLAY)).containsExactly(
            "TOPIC hebbscope.runs LITERAL READ", "TOPIC hebbscope.layer-steps LITERAL READ",
            "TOPIC hebbscope.train-metrics LITERAL READ", "TOPIC hebbscope.layer-stats LITERAL READ",
            "TOPIC hebbscope.replay- PREFIXED CREATE", "TOPIC hebbscope.replay- PREFIXED WRITE",
            "GROUP hebbscope-replay- PREFIXED READ",
            "TOPIC hebbscope-replay- PREFIXED CREATE", "TOPIC hebbscope-replay- PREFIXED READ",
            "TOPIC hebbscope-replay- PREFIXED WRITE", "TOPIC hebbscope-replay- PREFIXED DELETE",
            "TRANSACTIONAL_ID hebbscope-replay- PREFIXED WRITE");
        assertThat(role(HebbscopeAcls.Role.READER)).containsExactly("TOPIC hebbscope. PREFIXED READ");
        // no role needs anything on the cluster
        for (HebbscopeAcls.Role r : HebbscopeAcls.Role.values()) {
            assertThat(role(r)).noneMatch(l -> l.startsWith("CLUSTER"));
        }
    }

    @Test
    void aFileGivesUsersRolesAndTheirNames() throws Exception {
        SecurityFile f = SecurityFile.read(file("ok.properties", """
            admin.password=a-secret
            topic.prefix=lab
            analyzer.application.id=lab-analyzer
            user.t.1.password=pw1
            user.t.1.roles=trainer
            user.both.password=pw2
            user.both.roles=replay, reader
            user.idle.password=pw3
            user.idle.roles=none
            """));
        assertThat(f.describeUsers()).isEqualTo("both (replay, reader), idle (no role), t.1 (trainer)");
        var security = f.brokerSecurity();
        assertThat(security.users()).containsOnlyKeys("t.1", "both", "idle");
        assertThat(security.acls()).anyMatch(b -> b.entry().principal().equals("User:t.1")
            && b.pattern().name().equals("lab.layer-steps"));
        assertThat(security.acls()).anyMatch(b -> b.entry().principal().equals("User:both")
            && b.pattern().name().equals("lab.replay-"));
        assertThat(security.acls()).noneMatch(b -> b.entry().principal().equals("User:idle"));
        assertThat(HebbscopeAcls.of("x", Set.of(HebbscopeAcls.Role.ANALYZER), f.scope()))
            .anyMatch(b -> b.pattern().name().equals("lab-analyzer"));
    }

    @Test
    void badFilesNameThePathAndTheProblem() throws Exception {
        record Case(String text, String problem) {}
        List<Case> cases = List.of(
            new Case("user.a.password=x\nuser.a.roles=trainer\n", "admin.password is missing"),
            new Case("admin.password=x\nuser.a.password=y\nuser.a.roles=janitor\n", "unknown role 'janitor'"),
            new Case("admin.password=x\nuser.a.password=y\n", "user.a.roles is missing"),
            new Case("admin.password=x\nuser.a.roles=reader\n", "user.a.password is missing"),
            new Case("admin.password=x\nusers.a.password=y\n", "unknown key 'users.a.password'"),
            new Case("admin.password=x\nuser.admin.password=y\nuser.admin.roles=reader\n", "'admin' is the broker's super user"),
            new Case("admin.password=x\nuser.a*b.password=y\nuser.a*b.roles=reader\n", "user name 'a*b'"),
            new Case("admin.password=x,y\n", "admin.password: the password contains ','"),
            new Case("admin.password=x\ntopic.prefix=a/b\n", "topic.prefix"));
        int i = 0;
        for (Case c : cases) {
            Path f = file("bad" + i++ + ".properties", c.text());
            assertThatThrownBy(() -> SecurityFile.read(f)).hasMessageContaining("security file " + f)
                .hasMessageContaining(c.problem());
        }
    }
}
