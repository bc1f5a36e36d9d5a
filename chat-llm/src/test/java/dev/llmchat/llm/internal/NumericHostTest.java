package dev.llmchat.llm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NumericHostTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "127.0.0.1      | 127.0.0.1",
            "127.1          | 127.0.0.1",
            "127.0.1        | 127.0.0.1",
            "2130706433     | 127.0.0.1",
            "0x7f.1         | 127.0.0.1",
            "0x7f000001     | 127.0.0.1",
            "0X7F.0.0.1     | 127.0.0.1",
            "017700000001   | 127.0.0.1",
            "0177.0.0.1     | 127.0.0.1 177.0.0.1",
            "010.0.0.1      | 8.0.0.1 10.0.0.1",
            "0              | 0.0.0.0",
            "0.0.0.0        | 0.0.0.0",
            "169.254.43518  | 169.254.169.254",
            "127.0.0.1.     | 127.0.0.1",
            "08.0.0.1       | 8.0.0.1",
            "4294967295     | 255.255.255.255",
    })
    void reads_numbers_as_inet_aton_and_as_java_do(String host, String expected) throws Exception {
        assertThat(NumericHost.readings(host)).hasValueSatisfying(readings -> assertThat(readings)
                .containsExactlyElementsOf(Arrays.stream(expected.split(" ")).map(NumericHostTest::ip).toList()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"localhost", "gpu-box.lan", "example.com", "1.2.3.com", "0x7f.example", "fd00::1", "::1"})
    void leaves_host_names_to_the_resolver(String host) {
        assertThat(NumericHost.readings(host)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"1.2.3.4.5", "256.0.0.1", "4294967296", "1.16777216", "0x100.0.0.1", "99999999999999999999"})
    void refuses_numbers_that_are_no_address(String host) {
        assertThatIllegalArgumentException().isThrownBy(() -> NumericHost.readings(host));
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
