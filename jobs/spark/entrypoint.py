"""spark-submit entry file for EMR: the package itself ships as a zip in --py-files (see README.md)."""

import sys

from streamlake_spark.main import main

if __name__ == "__main__":
    sys.exit(main())
