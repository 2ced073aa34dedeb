package dev.streamlake.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ViewsJobArgumentsTest {
  @Test
  void restPortIsReadForLocalRunsAndZeroMeansAFreePort() {
    ViewsJob.Arguments a = ViewsJob.Arguments.parse(new String[] {"--properties", "p", "--rest-port", "0"});
    assertEquals(0, a.restPort);
    assertEquals(8089, ViewsJob.Arguments.parse(new String[] {"--properties", "p", "--rest-port", "8089"}).restPort);
    assertNull(ViewsJob.Arguments.parse(new String[] {"--properties", "p"}).restPort, "not announced without it");
  }

  @Test
  void failsOnAPortThatIsNotOneOrWithoutAPropertiesFile() {
    for (String bad : new String[] {"-1", "65536", "http"}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> ViewsJob.Arguments.parse(new String[] {"--properties", "p", "--rest-port", bad}));
      assertTrue(e.getMessage().contains("--rest-port " + bad), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> ViewsJob.Arguments.parse(new String[] {"--rest-port", "0"}));
    assertThrows(
        IllegalArgumentException.class, () -> ViewsJob.Arguments.parse(new String[] {"--properties", "p", "--rest-port"}));
  }
}
