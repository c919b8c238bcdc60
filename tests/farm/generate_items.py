# A dataset-generation script in the farm's fixed contract (seed 002's):
#   blender -b [SCENE] --python generate_items.py -- --seed S --count N --output DIR
# It makes items S … S+N-1, each seeded by its own number: a few random objects placed and
# coloured by that seed, rendered with Cycles on the CPU into DIR/rgb_<seed>.png, with the
# placement in DIR/meta_<seed>.json. Same seed => same bytes (no date or render time is
# stamped into the PNG); different seeds => different images. Tiny on purpose: Debian's
# CPU-only Blender renders an item in a fraction of a second.
import argparse
import json
import os
import random
import sys

import bpy

parser = argparse.ArgumentParser()
parser.add_argument("--seed", type=int, required=True)
parser.add_argument("--count", type=int, required=True)
parser.add_argument("--output", required=True)
# The size and samples are the test's own knobs, after the contract's arguments.
parser.add_argument("--size", type=int, nargs=2, default=(32, 24))
parser.add_argument("--samples", type=int, default=4)
args = parser.parse_args(sys.argv[sys.argv.index("--") + 1:])
os.makedirs(args.output, exist_ok=True)


def make_item(seed):
    rng = random.Random(seed)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.engine = 'CYCLES'
    scene.cycles.device = 'CPU'
    scene.cycles.samples = args.samples
    scene.cycles.use_adaptive_sampling = False
    scene.cycles.use_denoising = False
    scene.cycles.seed = seed
    scene.render.resolution_x, scene.render.resolution_y = args.size
    scene.render.resolution_percentage = 100
    scene.render.image_settings.file_format = 'PNG'
    # No metadata: a date or render time in the file would make every render's bytes differ.
    for name in dir(scene.render):
        if name.startswith("use_stamp"):
            setattr(scene.render, name, False)

    objects = []
    for index in range(rng.randint(2, 5)):
        location = (rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(0, 1.5))
        colour = (rng.random(), rng.random(), rng.random(), 1.0)
        if rng.random() < 0.5:
            bpy.ops.mesh.primitive_cube_add(size=rng.uniform(0.4, 1.2), location=location)
        else:
            bpy.ops.mesh.primitive_uv_sphere_add(radius=rng.uniform(0.3, 0.8), location=location)
        material = bpy.data.materials.new(f"m{index}")
        material.diffuse_color = colour
        material.use_nodes = True
        material.node_tree.nodes["Principled BSDF"].inputs["Base Color"].default_value = colour
        bpy.context.active_object.data.materials.append(material)
        objects.append({"location": location, "colour": colour[:3]})

    bpy.ops.object.camera_add(location=(6, -6, 5), rotation=(0.95, 0, 0.785))
    scene.camera = bpy.context.active_object
    bpy.ops.object.light_add(type='SUN', location=(0, 0, 10))
    bpy.context.active_object.data.energy = 3.0
    scene.render.filepath = os.path.join(args.output, f"rgb_{seed:06d}.png")
    bpy.ops.render.render(write_still=True)
    with open(os.path.join(args.output, f"meta_{seed:06d}.json"), "w") as meta:
        json.dump({"seed": seed, "objects": objects}, meta)


for item_seed in range(args.seed, args.seed + args.count):
    make_item(item_seed)
