"""Pictures of one game of a batched `GameState`: text for terminals and logs, RGB frames for GIFs.

Training runs thousands of games in arrays and never draws anything, so rendering is a separate,
on-demand view of a single game (`game` picks it from the batch). Both views show only that game's
own `width x height` (the batch padding is cut off) and put the highest `y` at the top, as the
`.lay` text does, although state arrays are indexed `[y, x]` with `y = 0` the bottom row.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .engine import GameState
from .rules import EAST, NORTH, NUM_AGENTS, SOUTH, STOP, WEST

# ----------------------------------------------------------------------------------------------
# Text
# ----------------------------------------------------------------------------------------------

_ANSI_RESET = "\x1b[0m"
_ANSI_TEAM = ("\x1b[1;31m", "\x1b[1;34m")  # bold red, bold blue
_ANSI_PACMAN_BG = "\x1b[43m"  # yellow background marks a Pacman
_ANSI_SCARED_BG = "\x1b[47m"  # white background marks a scared ghost
_ANSI_WALL = "\x1b[34m"
_ANSI_FOOD = "\x1b[37m"
_ANSI_CAPSULE = "\x1b[1;37m"


def _check_game(state: GameState, game: int) -> int:
    if not -state.num_games <= game < state.num_games:
        raise IndexError(f"game {game} is out of range for a batch of {state.num_games} games")
    return game % state.num_games


def status_line(state: GameState, game: int = 0) -> str:
    """One line: step, red-positive score and, per agent, ghost/Pacman, food carried, scared timer."""
    g = _check_game(state, game)
    parts = [f"t={int(state.t[g])} score={int(state.score[g]):+d}"]
    for i in range(NUM_AGENTS):
        team = "red" if i % 2 == 0 else "blue"
        kind = "Pacman" if state.is_pacman[g, i] else "ghost"
        parts.append(f"{i}:{team} {kind} carry={int(state.carrying[g, i])} scared={int(state.scared[g, i])}")
    return " | ".join(parts)


def _join_styled(cells: list[tuple[str, str]]) -> str:
    """Characters with their escape styles, one escape per run of equally styled characters."""
    out, current = [], ""
    for style, ch in cells:
        if style != current:
            if current:
                out.append(_ANSI_RESET)
            if style:
                out.append(style)
            current = style
        out.append(ch)
    if current:
        out.append(_ANSI_RESET)
    return "".join(out)


def render_ansi(state: GameState, game: int = 0, color: bool = False) -> str:
    """The map of one game as text (`%` wall, `.` food, `o` capsule, `0`-`3` agents) plus a status line.

    The top line is the highest `y`, as in the `.lay` file. Where agents share a cell the lowest
    index is shown. With `color`, agents get their team's colour (a yellow background for a
    Pacman, white for a scared ghost), for terminals that understand ANSI escapes.
    """
    g = _check_game(state, game)
    h, w = int(state.height[g]), int(state.width[g])
    walls, food, capsules = state.walls[g], state.food[g], state.capsules[g]
    agent_at: dict[tuple[int, int], int] = {}
    for i in reversed(range(NUM_AGENTS)):  # lowest index written last, so it wins
        agent_at[(int(state.pos[g, i, 0]), int(state.pos[g, i, 1]))] = i
    lines = []
    for y in range(h - 1, -1, -1):
        row = []
        for x in range(w):
            i = agent_at.get((x, y))
            if i is not None:
                ch, style = str(i), _ANSI_TEAM[i % 2]
                if state.is_pacman[g, i]:
                    style += _ANSI_PACMAN_BG
                elif state.scared[g, i] > 0:
                    style += _ANSI_SCARED_BG
            elif capsules[y, x]:
                ch, style = "o", _ANSI_CAPSULE
            elif food[y, x]:
                ch, style = ".", _ANSI_FOOD
            elif walls[y, x]:
                ch, style = "%", _ANSI_WALL
            else:
                ch, style = " ", ""
            row.append((style if color else "", ch))
        lines.append(_join_styled(row))
    lines.append(status_line(state, g))
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# RGB frames
# ----------------------------------------------------------------------------------------------

BACKGROUND = (0, 0, 0)
RED_TINT = (30, 6, 8)  # floor of the red half
BLUE_TINT = (6, 10, 34)  # floor of the blue half
WALL_FILL = (12, 26, 96)
WALL_EDGE = (70, 110, 245)  # wall sides that face an open cell
FOOD = (235, 235, 235)
CAPSULE = (255, 255, 255)
TEAM_COLORS = ((230, 40, 40), (40, 110, 255))  # red team, blue team
PACMAN_FILL = (255, 225, 20)
SCARED_FILL = (180, 205, 255)  # pale blue
SCARED_FLASH = (255, 255, 255)  # the last few scared steps flash white
EYE_WHITE = (255, 255, 255)
PUPIL = (20, 30, 120)
BAR_BACKGROUND = (20, 20, 20)
BAR_TEXT = (235, 235, 235)

# Unit direction (dx, dy) in image coordinates (y down) per heading; Stop looks straight ahead.
_LOOK = {NORTH: (0.0, -1.0), EAST: (1.0, 0.0), SOUTH: (0.0, 1.0), WEST: (-1.0, 0.0), STOP: (0.0, 0.0)}
# Pie-slice angle (degrees clockwise from east, PIL's convention) of a Pacman's mouth per heading.
_MOUTH_ANGLE = {NORTH: 270.0, EAST: 0.0, SOUTH: 90.0, WEST: 180.0}


def bar_height(cell: int) -> int:
    """Height in pixels of the score bar under the map: room for one line of text."""
    return max(16, int(cell))


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """PIL's default font, at `size` where this Pillow can scale it (10.1+ with FreeType)."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, AttributeError, OSError, ImportError):
        return ImageFont.load_default()


def _board_pixels(walls: np.ndarray, width: int, cell: int) -> np.ndarray:
    """Walls and the two tinted halves as an `(h*cell, w*cell, 3)` array; `walls` is already flipped."""
    h, w = walls.shape
    img = np.empty((h * cell, w * cell, 3), dtype=np.uint8)
    red_cols = 2 * np.arange(w) < width
    floor = np.where(red_cols[:, None], np.array(RED_TINT), np.array(BLUE_TINT)).astype(np.uint8)  # (w, 3)
    img[:] = np.repeat(floor, cell, axis=0)[None, :, :]
    wall_px = np.repeat(np.repeat(walls, cell, axis=0), cell, axis=1)
    img[wall_px] = WALL_FILL
    # Light edges on the wall sides that face an open cell (outside the board counts as wall).
    padded = np.pad(walls, 1, constant_values=True)
    thick = max(1, cell // 8)
    pattern = np.zeros((4, cell, cell), dtype=bool)
    pattern[0, :thick, :] = True  # top
    pattern[1, -thick:, :] = True  # bottom
    pattern[2, :, :thick] = True  # left
    pattern[3, :, -thick:] = True  # right
    neighbours = (padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:])  # above, below, left, right
    edge_px = np.zeros(wall_px.shape, dtype=bool)
    for k, open_side in enumerate(neighbours):
        flags = walls & ~open_side
        if flags.any():
            edge_px |= np.kron(flags, pattern[k]).astype(bool)
    img[edge_px] = WALL_EDGE
    return img


def _ghost_outline(left: float, top: float, cell: int) -> tuple[list[tuple[float, float]], float, float, float]:
    """Polygon of a ghost in a cell (rounded top, wavy bottom); also its head centre and radius."""
    m = cell * 0.1
    r = (cell - 2 * m) / 2
    cx, cy = left + cell / 2, top + m + r
    bottom = top + cell - m
    points = [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in np.linspace(math.pi, 2 * math.pi, 10)]
    points.append((cx + r, bottom))
    waves = 3
    for k in range(1, 2 * waves + 1):  # right to left, alternating up and down
        x = cx + r - k * (2 * r) / (2 * waves)
        y = bottom - (cell * 0.14 if k % 2 == 1 else 0.0)
        points.append((x, y))
    return points, cx, cy, r


def _draw_ghost(draw: ImageDraw.ImageDraw, left: int, top: int, cell: int, team: int, heading: int, scared: int) -> None:
    points, cx, cy, r = _ghost_outline(left, top, cell)
    if scared > 0:
        body = SCARED_FLASH if scared <= 5 and scared % 2 == 1 else SCARED_FILL
        draw.polygon(points, fill=body, outline=TEAM_COLORS[team], width=max(1, cell // 10))
        # Small frightened eyes and a zigzag mouth.
        e = max(1.0, r * 0.16)
        for sx in (-1, 1):
            ex = cx + sx * r * 0.4
            draw.ellipse((ex - e, cy - e, ex + e, cy + e), fill=TEAM_COLORS[team])
        my = cy + r * 0.55
        mouth = [(cx - r * 0.6 + k * r * 0.3, my - (r * 0.12 if k % 2 else 0.0)) for k in range(5)]
        draw.line(mouth, fill=TEAM_COLORS[team], width=max(1, cell // 16))
        return
    draw.polygon(points, fill=TEAM_COLORS[team])
    dx, dy = _LOOK.get(heading, (0.0, 0.0))
    ew, eh = r * 0.3, r * 0.38
    p = r * 0.16
    for sx in (-1, 1):
        ex, ey = cx + sx * r * 0.4, cy
        draw.ellipse((ex - ew, ey - eh, ex + ew, ey + eh), fill=EYE_WHITE)
        px, py = ex + dx * ew * 0.5, ey + dy * eh * 0.5
        draw.ellipse((px - p, py - p, px + p, py + p), fill=PUPIL)


def _draw_pacman(draw: ImageDraw.ImageDraw, left: int, top: int, cell: int, team: int, heading: int) -> None:
    m = cell * 0.08
    box = (left + m, top + m, left + cell - m, top + cell - m)
    # Stopped (at the start, after a death): face the opponents' half.
    centre = _MOUTH_ANGLE.get(heading, 0.0 if team == 0 else 180.0)
    draw.pieslice(box, start=centre + 35, end=centre + 325, fill=PACMAN_FILL, outline=TEAM_COLORS[team], width=max(1, round(cell / 8)))


def _draw_bar(draw: ImageDraw.ImageDraw, top: int, width: int, height: int, score: int, t: int,
              names: tuple[str, str] = ("Red", "Blue")) -> None:
    """`<red team> <score> <blue team>` on the left (score red-positive), the step `t` on the right; team
    names are shortened to what fits."""
    draw.rectangle((0, top, width - 1, top + height - 1), fill=BAR_BACKGROUND)
    font = _font(max(8, height - 5))
    pad = 4
    ty = top + height / 2
    gap = max(4.0, font.size * 0.5 if hasattr(font, "size") else 5.0)
    step = f"t={t}"
    score_text = f"{score:+d}" if score else "0"
    room = width - 2 * pad - draw.textlength(step, font=font) - draw.textlength(score_text, font=font) - 3 * gap
    names = tuple(_fit(draw, name, font, room / 2) for name in names)
    x = float(pad)
    for text, colour in ((names[0], TEAM_COLORS[0]), (score_text, BAR_TEXT), (names[1], TEAM_COLORS[1])):
        draw.text((x, ty), text, fill=colour, font=font, anchor="lm")
        x += draw.textlength(text, font=font) + gap
    draw.text((width - pad, ty), step, fill=BAR_TEXT, font=font, anchor="rm")


def _fit(draw: ImageDraw.ImageDraw, text: str, font, room: float) -> str:
    """`text`, cut with a trailing "." until it is at most `room` pixels wide (at least one letter)."""
    if draw.textlength(text, font=font) <= room:
        return text
    while len(text) > 1 and draw.textlength(text + ".", font=font) > room:
        text = text[:-1]
    return text + "."


def render_rgb(state: GameState, game: int = 0, cell: int = 16, names: tuple[str, str] = ("Red", "Blue")) -> np.ndarray:
    """An RGB frame `(height*cell + bar_height(cell), width*cell, 3)` uint8 of one game; `names` (red's,
    blue's) label the score bar.

    Row 0 is the top of the map (the highest `y`). Ghosts are drawn in their team's colour (pale
    blue when scared), Pacmen as yellow pies with a team-coloured rim, mouth towards their heading;
    the lowest agent index is drawn on top. The bar at the bottom shows the score and the step.
    """
    if cell < 4:
        raise ValueError(f"cell must be at least 4 pixels, got {cell}")
    g = _check_game(state, game)
    h, w = int(state.height[g]), int(state.width[g])
    # Flip y so that image row 0 is the highest y.
    walls = state.walls[g, :h, :w][::-1]
    food = state.food[g, :h, :w][::-1]
    capsules = state.capsules[g, :h, :w][::-1]
    bar = bar_height(cell)
    frame = np.zeros((h * cell + bar, w * cell, 3), dtype=np.uint8)
    frame[: h * cell] = _board_pixels(walls, w, cell)
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"  # no anti-aliased text: frames keep a small, fixed set of colours for GIFs

    fr = max(1.0, cell / 9)
    for row, col in np.argwhere(food):
        cx, cy = (col + 0.5) * cell, (row + 0.5) * cell
        draw.ellipse((cx - fr, cy - fr, cx + fr, cy + fr), fill=FOOD)
    cr = max(2.0, cell / 4)
    for row, col in np.argwhere(capsules):
        cx, cy = (col + 0.5) * cell, (row + 0.5) * cell
        draw.ellipse((cx - cr, cy - cr, cx + cr, cy + cr), fill=CAPSULE)

    for i in reversed(range(NUM_AGENTS)):
        x, y = int(state.pos[g, i, 0]), int(state.pos[g, i, 1])
        left, top = x * cell, (h - 1 - y) * cell
        heading = int(state.heading[g, i])
        if state.is_pacman[g, i]:
            _draw_pacman(draw, left, top, cell, i % 2, heading)
        else:
            _draw_ghost(draw, left, top, cell, i % 2, heading, int(state.scared[g, i]))

    _draw_bar(draw, h * cell, w * cell, bar, int(state.score[g]), int(state.t[g]), names)
    return np.asarray(image)


# ----------------------------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------------------------


def _to_paletted(frames: Sequence[np.ndarray]) -> list[Image.Image]:
    """Frames as "P" images sharing one palette: exact when all frames use at most 256 colours.

    Our frames do (no anti-aliasing anywhere), and one shared palette keeps colours steady from
    frame to frame. Pillow's own palette mapping is approximate, so the exact case maps by hand.
    """
    packed = [_packed(f) for f in frames]
    colours = np.unique(np.concatenate([np.unique(p) for p in packed]))
    if len(colours) <= 256:
        flat = np.zeros((256, 3), dtype=np.uint8)
        flat[: len(colours)] = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], axis=1)
        images = []
        for f, p in zip(frames, packed):
            index = np.searchsorted(colours, p).astype(np.uint8)
            im = Image.frombytes("P", (f.shape[1], f.shape[0]), index.tobytes())
            im.putpalette(flat.reshape(-1).tolist())
            images.append(im)
        return images
    sample = [frames[k] for k in np.linspace(0, len(frames) - 1, min(16, len(frames))).astype(int)]
    palette = Image.fromarray(np.concatenate(sample, axis=0)).quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    return [Image.fromarray(f).quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]


def _packed(frame: np.ndarray) -> np.ndarray:
    p = frame.reshape(-1, 3).astype(np.int32)
    return (p[:, 0] << 16) | (p[:, 1] << 8) | p[:, 2]


def save_gif(frames: Sequence[np.ndarray], path: str | Path, fps: int = 8) -> Path:
    """Write frames as a looping animated GIF (parent folders created); returns the path.

    Pillow merges consecutive frames that are pixel-identical (their durations add up), so the
    file can hold fewer frames than given when the game did not change between captures.
    """
    if len(frames) == 0:
        raise ValueError("save_gif needs at least one frame")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = [np.ascontiguousarray(f, dtype=np.uint8)[..., :3] for f in frames]
    if any(a.shape != arrays[0].shape for a in arrays):
        raise ValueError("all GIF frames must have the same shape")
    paletted = _to_paletted(arrays)
    paletted[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=paletted[1:],
        duration=max(1, round(1000 / fps)),
        loop=0,
        disposal=1,
    )
    return path


class GameRecorder:
    """Collects the frames of one game of a batch as it is played, to save as a GIF and a text log.

    Call `capture(state)` after each step (and once after the reset); the same `game` index is
    read from every state, so keep it fixed while that game runs.
    """

    def __init__(self, game: int = 0, cell: int = 16, names: tuple[str, str] = ("Red", "Blue")) -> None:
        self.game = game
        self.cell, self.names = cell, names
        self.frames: list[np.ndarray] = []
        self.texts: list[str] = []

    def __len__(self) -> int:
        return len(self.frames)

    def capture(self, state: GameState) -> None:
        """Append the RGB frame and the plain-text picture of `self.game` in `state`."""
        self.frames.append(render_rgb(state, self.game, self.cell, self.names))
        self.texts.append(render_ansi(state, self.game))

    def clear(self) -> None:
        self.frames.clear()
        self.texts.clear()

    def save_gif(self, path: str | Path, fps: int = 8) -> Path:
        return save_gif(self.frames, path, fps=fps)

    def save_text(self, path: str | Path) -> Path:
        """Write every captured text picture, separated by blank lines; returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(self.texts) + "\n")
        return path


def live_display_available() -> bool:
    """Whether a window can be shown: a display server (or a desktop OS) and an interactive matplotlib backend."""
    import os
    import sys

    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        import matplotlib

        return matplotlib.get_backend().lower() not in ("agg", "pdf", "ps", "svg", "cairo", "template")
    except ImportError:
        return False


class LiveView:
    """Shows the game in a matplotlib window, one frame per call of `show`."""

    def __init__(self, title: str = "gymPacMan", pause: float = 0.05) -> None:
        import matplotlib.pyplot as plt

        self._plt, self.pause = plt, pause
        self.figure, self.axes = plt.subplots()
        self.figure.canvas.manager.set_window_title(title) if self.figure.canvas.manager else None
        self.axes.axis("off")
        self._image = None
        self.frames_shown = 0

    def show(self, state: GameState, game: int = 0) -> None:
        frame = render_rgb(state, game)
        if self._image is None or self._image.get_array().shape != frame.shape:
            self.axes.clear()
            self.axes.axis("off")
            self._image = self.axes.imshow(frame)
        else:
            self._image.set_data(frame)
        self.frames_shown += 1
        self._plt.pause(self.pause)

    def close(self) -> None:
        self._plt.close(self.figure)


class GameDisplay:
    """Games shown as they are played: live in a window where a display exists (`LiveView`), and elsewhere
    recorded and saved as a GIF when each game ends, in `$GYMPACMAN_DISPLAY_DIR` (default `runs/display/`),
    the newest `keep` kept (a long run does not fill the disk) and the folder said with the first one.
    The course class's `display=True` and PettingZoo's `render_mode="human"` show their games through it.

    Args:
        keep: GIFs kept on disk when there is no display.
        fps: frames a second of the live view.
    """

    def __init__(self, keep: int = 10, fps: int = 20) -> None:
        if keep < 1:
            raise ValueError(f"keep must be at least 1, got {keep}")
        self.keep, self.fps = keep, fps
        self.live: LiveView | None = None
        self.recorder: GameRecorder | None = None
        self.saved: list[Path] = []  # the GIFs kept, oldest first
        self.recordings = 0  # a counter, not a generator: showing a game must not change a seeded run
        self.name = "game"

    def start(self, state: GameState, name: str) -> None:
        """A new game (game 0 of `state`), `name` (its layout's) in the window title and the GIF's name."""
        self.name = Path(name).stem
        if live_display_available():
            self.live = self.live or LiveView(f"gymPacMan: {name}", pause=1 / self.fps)
            self.live.show(state)
        else:
            self.recorder = GameRecorder()
            self.recorder.capture(state)

    def show(self, state: GameState, over: bool) -> None:
        """The game after a step; `over`: it ended with this step (its GIF is saved)."""
        if self.live is not None:
            self.live.show(state)
        elif self.recorder is not None:
            self.recorder.capture(state)
            if over:
                self._save()

    def close(self) -> None:
        if self.live is not None:
            self.live.close()
            self.live = None

    def _save(self) -> None:
        import os

        out = Path(os.environ.get("GYMPACMAN_DISPLAY_DIR", "runs/display"))
        self.recordings += 1
        path = self.recorder.save_gif(out / f"{self.name}_{os.getpid()}_{id(self):x}_{self.recordings}.gif")
        self.recorder = None
        self.saved.append(path)
        while len(self.saved) > self.keep:
            self.saved.pop(0).unlink(missing_ok=True)
        if self.recordings == 1:
            print(f"gymPacMan: no display to show the game live; games are saved as GIFs in {out} "
                  f"(the newest {self.keep} kept), the first as {path.name}")
