"""All git access: what changed, what would be committed, and the branch it is on.

The hot path of a commit with nothing gated in it (`gate.git.process`) runs two plain
`git` commands and imports neither `subprocess` nor GitPython. Reading the index and
commits runs plumbing commands and one `cat-file --batch` reader
(`gate.git.repository`). gate needs no git library: it asks git.
The repository is opened by explicit path: inside a hook GIT_DIR and GIT_INDEX_FILE
are set, and the index a `git commit -a` or `git commit PATH` is about to write lives
in the temporary file GIT_INDEX_FILE names, which every `git` command here honours.
"""

from gate.git.process import (
    EMPTY_TREE,
    FULL_HISTORY,
    GITLINK_MODE,
    LINK_MODES,
    SYMLINK_MODE,
    Change,
    Entry,
    Ran,
    Started,
    blob_bytes,
    cache_lines,
    cache_store,
    environment_refs,
    git_dir,
    head_blob,
    head_commit,
    head_files,
    head_folders,
    head_links,
    parse_name_status,
    parse_raw,
    staged_blob,
    staged_changes,
    staged_file,
    start_staged,
    toplevel,
)

TYPE_CHECKING = False  # not `typing`: the hook's fast path does without it
if TYPE_CHECKING:
    from gate.git.repository import Repository

__all__ = [
    "EMPTY_TREE",
    "FULL_HISTORY",
    "GITLINK_MODE",
    "LINK_MODES",
    "SYMLINK_MODE",
    "Change",
    "Entry",
    "Ran",
    "Repository",
    "Started",
    "blob_bytes",
    "cache_lines",
    "cache_store",
    "environment_refs",
    "git_dir",
    "head_blob",
    "head_commit",
    "head_files",
    "head_folders",
    "head_links",
    "parse_name_status",
    "parse_raw",
    "staged_blob",
    "staged_changes",
    "staged_file",
    "start_staged",
    "toplevel",
]


def __getattr__(name: str) -> object:
    """`Repository` loads on first use: the hook's fast path never needs it."""
    if name == "Repository":
        from gate.git.repository import Repository

        return Repository
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
