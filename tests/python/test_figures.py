"""The figures: `infofrag run` on a tiny config writes every stage's output and its figures,
resumes by skipping what is done, and scripts/plot_figures.py and scripts/figures.ipynb
(executed with nbclient) draw the figures from the HDF5 files alone.

    /usr/bin/python3 tests/python/test_figures.py --infofrag build/infofrag
"""
import argparse
import os
import subprocess
import sys
import tempfile
import unittest

import h5py

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INFOFRAG = "infofrag"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == PNG_SIGNATURE and os.path.getsize(path) > 1000


class Figures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.run_dir = os.path.join(cls.tmp.name, "run")
        cls.first = subprocess.run(
            [INFOFRAG, "run", "--config", os.path.join(ROOT, "configs/tests/tiny_run.ini"),
             "--out", cls.run_dir], capture_output=True, text=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_run_writes_every_stage(self):
        self.assertEqual(self.first.returncode, 0, self.first.stderr)
        for name in ["ensemble/config.ini", "embeddings.h5", "analysis.h5", "traversals.h5"]:
            self.assertTrue(os.path.exists(os.path.join(self.run_dir, name)), name)
        with h5py.File(os.path.join(self.run_dir, "analysis.h5"), "r") as f:
            self.assertGreaterEqual(int(f["hotspots"].attrs["count"]), 1)
            self.assertEqual(len(f["members/id"]), 4)
        for name in ["structure.png", "traversals.png", "curves.png"]:
            self.assertTrue(is_png(os.path.join(self.run_dir, "figures", name)), name)

    def test_second_run_skips_what_is_done(self):
        self.assertEqual(self.first.returncode, 0, self.first.stderr)
        before = os.path.getmtime(os.path.join(self.run_dir, "analysis.h5"))
        again = subprocess.run(
            [INFOFRAG, "run", "--config", os.path.join(ROOT, "configs/tests/tiny_run.ini"),
             "--out", self.run_dir], capture_output=True, text=True)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("4 already done", again.stderr)
        for stage in ["embed", "analyze", "hotspots", "traverse", "figures"]:
            self.assertRegex(again.stderr, rf"{stage} +done already")
        self.assertEqual(before, os.path.getmtime(os.path.join(self.run_dir, "analysis.h5")))

    def test_plotting_script(self):
        self.assertEqual(self.first.returncode, 0, self.first.stderr)
        out = os.path.join(self.tmp.name, "script_figures")
        result = subprocess.run(
            [sys.executable, os.path.join(ROOT, "scripts/plot_figures.py"),
             "--analysis", os.path.join(self.run_dir, "analysis.h5"),
             "--traversals", os.path.join(self.run_dir, "traversals.h5"),
             "--ensemble", os.path.join(self.run_dir, "ensemble"), "--matrix", "exp-vi",
             "--out", out], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        for name in ["structure.png", "traversals.png", "curves.png"]:
            self.assertTrue(is_png(os.path.join(out, name)), name)
        # It prints what it wrote, and leaves nothing half-written.
        printed = sorted(os.path.basename(p) for p in result.stdout.split())
        self.assertEqual(sorted(os.listdir(out)), printed)

    def test_plotting_script_refuses_a_file_without_hotspots(self):
        self.assertEqual(self.first.returncode, 0, self.first.stderr)
        result = subprocess.run(
            [sys.executable, os.path.join(ROOT, "scripts/plot_figures.py"),
             "--analysis", os.path.join(self.run_dir, "embeddings.h5"),
             "--out", os.path.join(self.tmp.name, "none")], capture_output=True, text=True)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("no /hotspots", result.stderr)

    def test_notebook_executes(self):
        self.assertEqual(self.first.returncode, 0, self.first.stderr)
        import nbclient
        import nbformat
        out = os.path.join(self.tmp.name, "notebook_figures")
        os.environ.update(INFOFRAG_RUN=self.run_dir, INFOFRAG_FIGURES=out,
                          INFOFRAG_SCRIPTS=os.path.join(ROOT, "scripts"),
                          PYDEVD_DISABLE_FILE_VALIDATION="1")
        notebook = nbformat.read(os.path.join(ROOT, "scripts/figures.ipynb"), as_version=4)
        nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
        images = sum(1 for cell in notebook.cells if cell.cell_type == "code"
                     for output in cell.get("outputs", [])
                     if "image/png" in output.get("data", {}))
        self.assertGreaterEqual(images, 3)  # structure, traversals, curves shown inline
        for name in ["structure.png", "traversals.png", "curves.png"]:
            self.assertTrue(is_png(os.path.join(out, name)), name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--infofrag", required=True)
    args, rest = parser.parse_known_args()
    INFOFRAG = os.path.abspath(args.infofrag)
    unittest.main(argv=[sys.argv[0]] + rest)
